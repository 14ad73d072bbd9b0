package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.SyncMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registry's link to Redis: a single sync thread that flushes every dirty breaker in one
 * pipeline per {@code syncInterval} (sooner when failures could open a breaker), applies
 * replies and pub/sub messages, reconciles idle breakers, and switches between SHARED and LOCAL
 * mode. What it delegates: which breakers a tick visits ({@link Rounds}), building a pipeline
 * ({@link Batch}, each breaker's calls by its {@link BreakerSync}), sending it ({@link Pipeline}),
 * what its replies say and giving each to its call ({@link Replies}), the channels
 * ({@link Subscriber}), when to go LOCAL and back and what to log of it ({@link ModeSwitch}),
 * operators' calls ({@link AdminCalls}), the fleet's time ({@link FleetClock}).
 *
 * <p>Bounded: at most one pipeline in flight, at most {@value Batch#MAX_CALLS} script calls
 * in it, every pipeline with a response timeout and Redisson's retries off (a re-sent flush is
 * still applied once: flushes carry node and sequence), breakers with a step or a request first.
 * The call path never waits on this class: trial leases are claimed here, in the background.
 *
 * <p>Thread-safety: public methods may be called from any thread; fields marked "sync thread"
 * are confined to it. Everything the sync thread must do for other threads (replies, messages)
 * goes through {@link #inbox}.
 */
public final class SyncEngine implements AutoCloseable {

  /** Timing and clocks of a registry. */
  public record Settings(
      Duration syncInterval,
      Duration commandTimeout,
      Duration localModeAfter,
      Duration reconcileInterval,
      Duration trialLease,
      Duration maxFlushDelay,
      boolean shardedPubSub,
      History history) {}

  private static final LuaScripts.Read READ = new LuaScripts.Read();
  /** Tag of the message a flush publishes when it brings the first failures of a quiet fleet. */
  static final String FAILING_TAG = "r4j1f|";
  private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final String nodeId;
  private final Settings settings;
  private final SyncMeters meters;
  private final long syncNanos;
  private final long reconcileNanos;
  private final Batch.Timing timing;
  private final long commandMillis;
  private final Map<String, SharedCircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis() * 1000);
  private final Thread thread;
  private final ExecutorService io;
  private final Subscriber subscriber;
  private final Pipeline pipeline;
  private final AdminCalls admin;

  private final ModeSwitch modes;
  private final Rounds<BreakerSync> rounds;
  private final FleetClock clock = new FleetClock(System::nanoTime);
  private final Replies replies;
  private volatile boolean running = true;
  private volatile boolean eagerRequested;
  private volatile boolean scriptsLoaded;

  // Sync thread.
  /** Written by the sync thread only; read by {@link #wakeEager} too. */
  private volatile boolean batchInFlight;
  private boolean subscribed;
  private boolean loadingScripts;
  private boolean sendDue;
  private long lastSentNanos;
  private long nextTickNanos;
  private boolean closing;

  /** Creates the engine; {@link #start()} starts its thread. */
  public SyncEngine(RedissonClient redisson, KeySpace keys, String nodeId, Settings settings,
      MeterRegistry meterRegistry) {
    this.redisson = redisson;
    this.keys = keys;
    this.nodeId = nodeId;
    this.settings = settings;
    this.modes = new ModeSwitch(settings.localModeAfter(), System.nanoTime());
    this.meters = new SyncMeters(meterRegistry, keys.prefix(), nodeId, modes::mode);
    this.syncNanos = settings.syncInterval().toNanos();
    this.reconcileNanos = settings.reconcileInterval().toNanos();
    this.rounds = new Rounds<>(syncNanos, reconcileNanos);
    this.meters.rounds(rounds::hotCount, rounds::coldCount);
    this.timing = new Batch.Timing(settings.trialLease().toNanos(),
        settings.maxFlushDelay().compareTo(settings.syncInterval()) > 0 ? settings.maxFlushDelay().toNanos() : 0,
        reconcileNanos);
    this.commandMillis = settings.commandTimeout().toMillis();
    this.thread = new Thread(this::loop, "r4j-redis-sync-" + keys.prefix());
    this.thread.setDaemon(true);
    this.io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "r4j-redis-io-" + keys.prefix());
      t.setDaemon(true);
      return t;
    });
    this.pipeline = new Pipeline(redisson, keys, nodeId, io, this::serverNow);
    this.replies = new Replies(meters, clock, keys.prefix(), System::nanoTime, encodedName -> {
      // The fix goes with the breaker's next script: a read, if nothing else.
      SharedCircuitBreaker breaker = breakers.get(encodedName);
      if (breaker != null) {
        breaker.sync().verifyDue = true;
        warm(breaker);
        sendDue = true;
      }
    });
    this.admin = new AdminCalls(redisson, keys, pipeline, meters, commandMillis, () -> {
      scriptsLoaded = false;
      wake();
    });
    boolean sharded = settings.shardedPubSub() && redisson.getConfig().isClusterConfig();
    this.subscriber = new Subscriber(redisson, keys, sharded, io, breakers.keySet(), new Subscriber.Listener() {
      @Override
      public void message(String text, long receivedNanos) {
        onMessage(text, receivedNanos);
      }

      @Override
      public void resubscribed(@Nullable String encodedName) {
        // Messages sent while the subscription was down are lost: read those states again.
        inbox.add(() -> {
          if (encodedName == null) {
            breakers.values().forEach(b -> {
              b.sync().verifyDue = true;
              warm(b);
            });
          } else {
            SharedCircuitBreaker breaker = breakers.get(encodedName);
            if (breaker != null) {
              breaker.sync().verifyDue = true;
              warm(breaker);
            }
          }
        });
        LockSupport.unpark(thread);
      }

      @Override
      public void failed(Throwable error) {
        inbox.add(() -> {
          subscribed = false; // try again after the next successful round trip
          LOG.debug("Subscription to {} failed", subscriber.describe(), error);
        });
      }
    });
  }

  /** Starts the sync thread; never blocks on Redis. */
  public void start() {
    thread.start();
  }

  // ---------------------------------------------------------------- for breakers

  /** SHARED while Redis answers, LOCAL otherwise. */
  public SyncMode mode() {
    return modes.mode();
  }

  /** This node's id. */
  public String nodeId() {
    return nodeId;
  }

  SyncMeters meters() {
    return meters;
  }

  History history() {
    return settings.history();
  }

  /**
   * This node's estimate of the fleet's time (ms): the latest reply's time moved on by this
   * node's monotonic clock, so that a pause of this process (a long GC) shows as time passed;
   * Redis TIME jumps do not move it (see {@link FleetClock}). Before any reply, the wall clock.
   */
  public long serverNow() {
    return clock.now();
  }

  /** The command timeout in milliseconds. */
  long commandTimeoutMillis() {
    return commandMillis;
  }

  /** A new sequence number for a command of this node (they share the flushes' sequence). */
  long nextCommandSequence() {
    return sequence.incrementAndGet();
  }

  void register(SharedCircuitBreaker breaker) {
    breakers.put(breaker.encodedName(), breaker);
    subscriber.add(breaker.encodedName());
    rounds.add(breaker.sync());
    wake();
  }

  void unregister(SharedCircuitBreaker breaker) {
    if (breakers.remove(breaker.encodedName(), breaker)) {
      rounds.remove(breaker.sync());
      subscriber.remove(breaker.encodedName());
      clock.forget(breaker.encodedName());
      String encoded = breaker.encodedName();
      inbox.add(() -> replies.forget(encoded));
    }
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  /** {@code breaker} has something to send or to read: visited at the next tick, which comes now. */
  void wake(SharedCircuitBreaker breaker) {
    warm(breaker);
    LockSupport.unpark(thread);
  }

  /** As {@link #wakeEager()}, for something of {@code breaker}'s. */
  void wakeEager(SharedCircuitBreaker breaker) {
    warm(breaker);
    wakeEager();
  }

  /**
   * Hands a cold breaker back to every tick (from the next one on). Any thread; a volatile read
   * on the call path while the breaker is hot.
   */
  void warm(SharedCircuitBreaker breaker) {
    rounds.warm(breaker.sync());
  }

  /** Failures could open a breaker: flush now (or as soon as the pipeline in flight is answered). */
  void wakeEager() {
    if (!eagerRequested) {
      eagerRequested = true; // before reading batchInFlight, which the sync thread clears before reading this
      if (!batchInFlight) {
        // While a pipeline is in flight its reply wakes the thread, which then sends at once:
        // waking it for each failure meanwhile (at an outage, every failure of every node) only
        // took the CPU that replies and messages needed.
        LockSupport.unpark(thread);
      }
    }
  }

  /**
   * The shared state of one breaker by name.
   *
   * @throws io.github.r4jredis.state.RedisStateException saying why Redis gave none
   */
  public SharedView read(String name) {
    String encoded = KeySpace.encode(name);
    return admin.call(new Batch.Call(arguments(READ, encoded, null), encoded, (v, t) -> { }, () -> { }));
  }

  /**
   * Runs an operator's command on a breaker this node may not have created: CLOSED, OPEN,
   * HALF_OPEN, DISABLED, METRICS_ONLY, FORCED_OPEN or RESET, keeping its shared config (a RESET
   * of a breaker this node holds, {@code held}, re-seeds the config with this node's).
   * Synchronous, bounded by four command timeouts (at least 2 s): not on the call path.
   *
   * @return the reply
   * @throws io.github.r4jredis.state.RedisStateException saying why Redis gave none
   */
  public SharedView command(String name, String op, @Nullable SharedCircuitBreaker held) {
    String encoded = KeySpace.encode(name);
    boolean reseed = held != null && "RESET".equals(op);
    LuaScripts.ArgList args = arguments(
        LuaScripts.Command.operator(op, reseed ? LuaScripts.SeedMode.IF_MISSING : LuaScripts.SeedMode.NONE),
        encoded, held == null ? null : held.testClockMillis());
    if (reseed) {
      held.seed(args);
    }
    return admin.call(new Batch.Call(args, encoded, (v, t) -> { }, () -> { }));
  }

  /**
   * The common arguments of a call.
   *
   * @param testClockMillis the time of the breaker's clock when it is not a system clock, else
   *     null: the script uses Redis TIME
   */
  private LuaScripts.ArgList arguments(LuaScripts.Request request, String encodedName, @Nullable Long testClockMillis) {
    String fix = testClockMillis == null ? clock.takeFix(encodedName) : null;
    return LuaScripts.call(request)
        .set(LuaScripts.Arg.CLOCK, testClockMillis == null ? "" : testClockMillis.toString())
        .set(LuaScripts.Arg.CHANNEL, subscriber.channelFor(encodedName))
        .set(LuaScripts.Arg.NAME, encodedName)
        .set(LuaScripts.Arg.NODE, nodeId)
        .set(LuaScripts.Arg.EST_HI, clock.isKnown() && testClockMillis == null ? Long.toString(clock.now()) : "")
        .set(LuaScripts.Arg.CO_FIX, fix == null ? "" : fix);
  }

  // ---------------------------------------------------------------- for the registry

  /**
   * Every breaker Redis knows under this prefix, with its shared state.
   *
   * @throws io.github.r4jredis.state.RedisStateException when Redis does not answer in time
   */
  public Map<String, SharedView> readAll() {
    return admin.readAll(encoded -> new Batch.Call(arguments(READ, encoded, null), encoded, (v, t) -> { }, () -> { }));
  }

  // ---------------------------------------------------------------- the sync thread

  private void loop() {
    nextTickNanos = System.nanoTime();
    while (running) {
      try {
        awaitWork();
        runInbox();
        tick();
      } catch (RuntimeException e) {
        LOG.error("r4j-redis sync thread: unexpected failure, continuing", e);
      }
    }
    finalFlush();
  }

  private void awaitWork() {
    while (running && !(eagerRequested && !batchInFlight) && inbox.isEmpty()) {
      long wait = nextTickNanos - System.nanoTime();
      if (wait <= 0) {
        break;
      }
      LockSupport.parkNanos(this, wait);
    }
    if (eagerRequested && !batchInFlight) {
      // At once: failures that come meanwhile join the next pipeline, sent when this one is
      // answered (one in flight at a time). Waiting a millisecond for them cost every outage
      // that millisecond at each of the round trips the fleet needs to open.
      eagerRequested = false;
      sendDue = true;
    }
  }

  private void runInbox() {
    for (Runnable task = inbox.poll(); task != null; task = inbox.poll()) {
      task.run();
    }
  }

  private void tick() {
    long now = System.nanoTime();
    if (now - nextTickNanos >= 0) {
      nextTickNanos = now + syncNanos;
      sendDue = true;
    }
    rounds.tickHot(now); // scheduled local transitions; requests that keep the fleet moving (cold ones: see collect)
    String local = modes.goLocal(now, batchInFlight || loadingScripts);
    if (local != null) {
      enterLocal(local);
    }
    ModeSwitch.Line silence = modes.silenceLine(now, breakers.size(), keys.prefix());
    if (silence != null) {
      log(silence);
    }
    if (modes.mode() == SyncMode.LOCAL || modes.failing()) {
      // While Redis does not take the flushes, a breaker keeps only the outcomes its window can
      // still hold. (While it does, each flush carries every call: the fleet's window may cross a
      // threshold in the middle of them.)
      rounds.forEachHot(sync -> { // a cold one holds no outcome
        long dropped = sync.prune(sync.breaker().clockSecond());
        if (dropped > 0) {
          meters.outcomesDropped(dropped);
        }
      });
    }
    if (batchInFlight) {
      return;
    }
    if (modes.mode() == SyncMode.LOCAL) {
      if (now - lastSentNanos >= syncNanos * 5) {
        if (scriptsLoaded || pipeline.loadsInPipeline()) {
          send(redisCheck(), now);
        } else {
          loadScripts(); // a Redis that lost them (restarted, SCRIPT FLUSH) must run one to rejoin
        }
      }
      return;
    }
    if (!scriptsLoaded && !pipeline.loadsInPipeline()) {
      loadScripts(); // a Cluster: every master needs them (off one, the pipeline loads them first)
      return;
    }
    // One pipeline per syncInterval, sooner only when something could matter now (an eager
    // flush, a step or a request): a reply arriving early must not start the next pipeline.
    if (!sendDue) {
      return;
    }
    sendDue = false;
    List<Batch.Call> calls = collect(now);
    if (!calls.isEmpty() || now - lastSentNanos >= Math.min(reconcileNanos, 4 * syncNanos + 200_000_000L)) {
      send(calls, now);
    }
  }

  /**
   * The calls of the next pipeline (see {@link Rounds#collect}): each hot breaker's (a seed, a
   * step, a flush, a request, a read; see {@link BreakerSync#collect}), reconcile reads spread so
   * that each breaker is read about once per reconcile interval, and a share of the cold
   * breakers. A pipeline cut at {@value Batch#MAX_CALLS} calls resumes where it stopped at
   * the next tick; no breaker's calls are split.
   */
  private List<Batch.Call> collect(long now) {
    long reconcileBudget = Math.max(1, (long) Math.ceil((double) rounds.hotSize() * syncNanos / reconcileNanos));
    Batch batch = new Batch(now, reconcileBudget, timing, sequence::incrementAndGet, this::arguments);
    if (!rounds.collect(now, batch)) {
      sendDue = true; // the rest at the next tick
    }
    return batch.calls();
  }

  private void send(List<Batch.Call> calls, long now) {
    batchInFlight = true;
    lastSentNanos = now;
    boolean loadFirst = loadFirst(calls);
    pipeline.send(calls, responseMillis(calls.size()), Replies.needsHeartbeat(calls), loadFirst).whenComplete((replies, error) -> {
      inbox.add(() -> completed(calls, replies, error, now, loadFirst));
      LockSupport.unpark(thread);
    });
  }

  /**
   * How long a pipeline of {@code calls} scripts may take to be answered: the command timeout,
   * plus a quarter of a millisecond per script (1,000 scripts: 250 ms more). A busy Redis answers a
   * long pipeline slowly, not never: given up on, its scripts are sent again (merged once, but
   * Redisson logs every late reply as an error). Going LOCAL does not wait for it: the node goes
   * LOCAL once Redis has done none of its work for {@code localModeAfter}, pipeline in flight or not.
   */
  private long responseMillis(int calls) {
    return commandMillis + calls / 4;
  }

  /**
   * The pipeline that asks, in LOCAL mode, whether Redis does the work again: one breaker's read
   * (a script: a Redis whose script cache is flushed over and over does not) and the heartbeat
   * write. Its reply is not applied: the breakers re-read everything when they rejoin.
   */
  private List<Batch.Call> redisCheck() {
    for (String encoded : breakers.keySet()) {
      return List.of(new Batch.Call(arguments(READ, encoded, null), encoded, (v, t) -> { }, () -> { }));
    }
    return List.of();
  }

  /**
   * A pipeline came back. It counts as Redis doing its work only when the heartbeat was written
   * and no call was refused (OOM, READONLY, MISCONF, NOPERM, BUSY, ...): a Redis that answers but
   * cannot write is as good as down, and the node goes LOCAL after {@code localModeAfter} of it.
   * The replies that did arrive are applied either way, after the mode changed (a rejoin first
   * hands the breakers back to the fleet). A pipeline {@code loadFirst} that met no NOSCRIPT left
   * Redis holding the scripts: the next ones go as EVALSHA.
   */
  private void completed(List<Batch.Call> calls, @Nullable List<Object> results, @Nullable Throwable error, long sentNanos,
      boolean loadFirst) {
    batchInFlight = false;
    if (error != null) {
      failed(error);
      calls.forEach(call -> call.onFailure().run());
      return;
    }
    long now = System.nanoTime();
    meters.roundTrip(Duration.ofNanos(now - sentNanos));
    Replies.Verdict verdict = Replies.verdict(calls, results);
    if (verdict.refusal() != null) {
      meters.failure(verdict.refusal().toLowerCase(Locale.ROOT));
      LOG.debug("Redis refused a pipeline: {}", verdict.why());
      modes.refused(verdict.why());
    } else if (verdict.heartbeatFailure() != null) {
      failed(verdict.heartbeatFailure());
    } else {
      succeeded(now);
    }
    replies.apply(calls, results, sentNanos, now);
    if (verdict.noScript()) {
      scriptsLoaded = false; // the next pipeline loads them first (off a Cluster) or waits for SCRIPT LOAD
    } else if (loadFirst) {
      scriptsLoaded = true;
    }
  }

  private void succeeded(long now) {
    boolean firstAnswer = !modes.answered();
    if (modes.succeeded(now)) {
      rejoin(firstAnswer);
    }
    if (!subscribed) {
      subscribe();
    }
  }

  private void failed(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (Refusals.isNoScript(cause)) {
      scriptsLoaded = false; // and the pipeline failed: Redis did not do the work
    }
    String refused = Refusals.code(cause);
    boolean timeout = cause instanceof RedisTimeoutException || cause instanceof TimeoutException;
    meters.failure(refused != null ? refused.toLowerCase(Locale.ROOT) : timeout ? "timeout" : "error");
    LOG.debug("Redis pipeline failed", cause);
    // the next tick goes LOCAL once Redis has been silent for localModeAfter
    if (refused != null) {
      modes.refused(Refusals.describe(cause));
    } else {
      modes.failed(timeout ? "" : "Redis failed: " + Refusals.firstLine(cause));
    }
  }


  private void enterLocal(String why) {
    breakers.values().forEach(b -> b.successesRedundant = false); // the node's own window counts them
    meters.modeChange(SyncMode.LOCAL);
    log(modes.localLine(why, breakers.size(), keys.prefix(), closing, System.nanoTime()));
    breakers.values().forEach(SharedCircuitBreaker::enterLocalMode);
  }

  private void rejoin(boolean firstAnswer) {
    scriptsLoaded = false; // Redis may have restarted without them
    meters.modeChange(SyncMode.SHARED);
    log(modes.sharedLine(firstAnswer, keys.prefix(), System.nanoTime()));
    breakers.values().forEach(breaker -> {
      breaker.leaveLocalMode();
      warm(breaker); // each reads its state again
    });
  }

  private static void log(ModeSwitch.Line line) {
    switch (line.level()) {
      case WARN -> LOG.warn(line.text());
      case INFO -> LOG.info(line.text());
      default -> LOG.debug(line.text());
    }
  }

  private void loadScripts() {
    if (loadingScripts) {
      return;
    }
    loadingScripts = true;
    lastSentNanos = System.nanoTime();
    pipeline.loadScripts()
        .orTimeout(commandMillis, TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> {
          inbox.add(() -> {
            loadingScripts = false;
            if (error == null) {
              scriptsLoaded = true; // Redis answered; whether it does the work, the next pipeline tells
              if (modes.mode() == SyncMode.LOCAL) {
                lastSentNanos = System.nanoTime() - syncNanos * 5; // the Redis check goes at once
              }
            } else {
              failed(error);
            }
          });
          LockSupport.unpark(thread);
        });
  }

  private void subscribe() {
    subscribed = true;
    subscriber.start();
  }

  private void onMessage(String message, long receivedNanos) {
    if (message.startsWith(FAILING_TAG)) {
      // A node reported the first failures of a quiet fleet: successes held here go now.
      SharedCircuitBreaker breaker = breakers.get(message.substring(FAILING_TAG.length()));
      if (breaker != null) {
        breaker.sync().othersFailing(receivedNanos);
        wake();
      }
      return;
    }
    SharedView.Hint hint;
    try {
      hint = SharedView.fromMessage(message);
    } catch (IllegalArgumentException e) {
      meters.rejected("malformed");
      LOG.debug("Ignoring malformed message on {}: {}", subscriber.describe(), e.getMessage());
      return;
    }
    SharedCircuitBreaker breaker = breakers.get(hint.encodedName());
    if (breaker != null) {
      try {
        breaker.applyHint(hint.view(), receivedNanos);
      } catch (RuntimeException e) {
        LOG.error("Applying a message to circuit breaker {} failed", hint.encodedName(), e);
      }
    }
  }

  /**
   * Whether a pipeline of {@code calls} loads every script first: Redis may lack them (at start,
   * after a NOSCRIPT, after LOCAL mode), it is not a Cluster (whose masters each need them, see
   * {@link #loadScripts}), and it has calls to run after the loads (an empty one would vouch for
   * loads it never tried). Read once per pipeline: an operator's call may clear the flag meanwhile.
   */
  private boolean loadFirst(List<Batch.Call> calls) {
    return !scriptsLoaded && pipeline.loadsInPipeline() && !calls.isEmpty();
  }

  private void finalFlush() {
    if (modes.mode() == SyncMode.SHARED && (scriptsLoaded || pipeline.loadsInPipeline())) {
      breakers.values().forEach(b -> b.sync().sendHeld = true); // nothing waits any more
      // As many pipelines as a registry of 1,000 breakers needs, one at a time, each with its deadline.
      for (int i = 0; i < 4; i++) {
        long now = System.nanoTime();
        List<Batch.Call> calls = collect(now);
        if (calls.isEmpty()) {
          break;
        }
        boolean loadFirst = loadFirst(calls);
        try {
          List<Object> replies = pipeline.execute(calls, responseMillis(calls.size()), Replies.needsHeartbeat(calls),
              loadFirst).get(commandMillis, TimeUnit.MILLISECONDS);
          completed(calls, replies, null, now, loadFirst);
        } catch (ExecutionException | TimeoutException e) {
          LOG.debug("Final flush did not complete", e);
          break;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    // Nobody syncs any more: every breaker decides with its own machine, as in LOCAL mode.
    closing = true;
    if (modes.mode() == SyncMode.SHARED) {
      modes.close();
      enterLocal("registry closed");
    }
  }

  /** Stops the sync thread after a last flush; shared state stays in Redis. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(settings.commandTimeout().toMillis() * 4 + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.shutdown();
    try { // a subscription the io thread is making (connecting, with lazy initialization) finishes first
      io.awaitTermination(settings.commandTimeout().toMillis() * 4, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    subscriber.close(settings.commandTimeout().multipliedBy(4));
  }
}
