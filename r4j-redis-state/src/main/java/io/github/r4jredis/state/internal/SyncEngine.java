package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
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
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RScriptAsync;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registry's link to Redis: a single sync thread that flushes every dirty breaker in one
 * pipeline per {@code syncInterval} (sooner when failures could open a breaker), applies
 * replies and pub/sub messages, reconciles idle breakers, and switches between SHARED and LOCAL
 * mode.
 *
 * <p>Bounded: at most one pipeline in flight, at most {@value #MAX_CALLS_PER_BATCH} script calls
 * in it, every pipeline with a response timeout and Redisson's retries off (a re-sent flush is
 * still applied once: flushes carry node and sequence). The call path never waits on this
 * class, except {@link #claim} of a half-open probe lease, bounded by the command timeout.
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
      Duration probeLease,
      Clock clock,
      LongSupplier serverClockSkewMillis,
      History history) {}

  static final int MAX_CALLS_PER_BATCH = 1000;
  /** Breakers read per pipeline when listing them all. */
  private static final int READ_ALL_SLICE = 500;
  private static final long EAGER_COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final String nodeId;
  private final Settings settings;
  private final Clock clock;
  private final SyncMeters meters;
  private final long syncNanos;
  private final long localAfterNanos;
  private final long reconcileNanos;
  private final long leaseNanos;
  private final long commandMillis;
  private final Map<String, SharedCircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final Queue<Call> asyncCalls = new ConcurrentLinkedQueue<>();
  private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis() * 1000);
  private final Thread thread;
  private final ExecutorService io;
  private final List<Integer> listenerIds = new ArrayList<>();

  private volatile SyncMode mode = SyncMode.SHARED;
  private volatile long offsetMillis;
  private volatile boolean running = true;
  private volatile boolean eagerRequested;
  private volatile boolean scriptsLoaded;

  // Sync thread.
  private boolean batchInFlight;
  private boolean subscribed;
  private boolean loadingScripts;
  private boolean sendDue;
  private boolean lastFailed;
  private long batchSentNanos;
  private long lastSuccessNanos = System.nanoTime();
  private long lastSentNanos;
  private long nextTickNanos;
  private int rotation;

  /** A script call: which script, for which breaker, with which arguments and reply handler. */
  private record Call(LuaScripts script, String encodedName, List<Object> args,
      BiConsumer<SharedView, Long> onReply, Runnable onFailure) {

    /** Whether the call may create the breaker in Redis (it carries a seed). */
    boolean creates() {
      return (script == LuaScripts.FLUSH || script == LuaScripts.COMMAND) && !"0".equals(args.get(6));
    }
  }

  /** Creates the engine; {@link #start()} starts its thread. */
  public SyncEngine(RedissonClient redisson, KeySpace keys, String nodeId, Settings settings,
      MeterRegistry meterRegistry) {
    this.redisson = redisson;
    this.keys = keys;
    this.nodeId = nodeId;
    this.settings = settings;
    this.clock = settings.clock();
    this.meters = new SyncMeters(meterRegistry, keys.prefix(), nodeId, () -> mode);
    this.syncNanos = settings.syncInterval().toNanos();
    this.localAfterNanos = settings.localModeAfter().toNanos();
    this.reconcileNanos = settings.reconcileInterval().toNanos();
    this.leaseNanos = settings.probeLease().toNanos();
    this.commandMillis = settings.commandTimeout().toMillis();
    this.thread = new Thread(this::loop, "r4j-redis-sync-" + keys.prefix());
    this.thread.setDaemon(true);
    this.io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "r4j-redis-io-" + keys.prefix());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the sync thread; never blocks on Redis. */
  public void start() {
    thread.start();
  }

  // ---------------------------------------------------------------- for breakers

  /** SHARED while Redis answers, LOCAL otherwise. */
  public SyncMode mode() {
    return mode;
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

  /** This node's estimate of Redis server time (ms), from the latest reply. */
  public long serverNow() {
    return clock.millis() + offsetMillis;
  }

  void register(SharedCircuitBreaker breaker) {
    breakers.put(breaker.encodedName(), breaker);
    wake();
  }

  void unregister(SharedCircuitBreaker breaker) {
    breakers.remove(breaker.encodedName(), breaker);
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  /** Failures could open a breaker: flush within about a millisecond. */
  void wakeEager() {
    if (!eagerRequested) {
      eagerRequested = true;
      LockSupport.unpark(thread);
    }
  }

  /**
   * Claims the half-open probe lease (or, with {@code wantLease} false, only moves an OPEN
   * breaker past its deadline to HALF_OPEN). Synchronous, bounded by the command timeout.
   *
   * @return the reply, or {@code null} if Redis did not answer in time
   */
  @Nullable SharedView claim(SharedCircuitBreaker breaker, boolean wantLease) {
    if (mode == SyncMode.LOCAL) {
      return null;
    }
    SharedView reply = callNow(new Call(LuaScripts.CLAIM, breaker.encodedName(),
        args(breaker.encodedName(), wantLease ? "1" : "0"), (v, t) -> { }, () -> { }));
    meters.claim(reply == null ? "failed" : reply.status().toLowerCase(Locale.ROOT));
    return reply;
  }

  /**
   * Runs a manual command (CLOSED, OPEN, OPEN_FOR, HALF_OPEN, DISABLED, METRICS_ONLY,
   * FORCED_OPEN, RESET) with this node's seed. Synchronous, bounded by four command timeouts
   * (at least 2 s): not on the call path.
   *
   * @return the reply, or {@code null} if Redis did not answer in time
   */
  @Nullable SharedView command(SharedCircuitBreaker breaker, String op, long waitMillis) {
    if (mode == SyncMode.LOCAL) {
      return null;
    }
    return adminNow(commandCall(breaker.encodedName(), op, waitMillis, breaker.seed()));
  }

  /** The shared state of one breaker by name; null if Redis did not answer in time. */
  public @Nullable SharedView read(String name) {
    String encoded = KeySpace.encode(name);
    return adminNow(new Call(LuaScripts.READ, encoded, args(encoded), (v, t) -> { }, () -> { }));
  }

  /** As {@link #command} for a breaker this node may not have created; keeps its shared config. */
  public @Nullable SharedView command(String name, String op) {
    String encoded = KeySpace.encode(name);
    return adminNow(commandCall(encoded, op, 0, null));
  }

  private Call commandCall(String encoded, String op, long waitMillis, @Nullable List<String> seed) {
    List<Object> args = args(encoded, op, Long.toString(waitMillis), seed == null ? "0" : "1");
    args.addAll(seed == null ? SharedConfig.noSeed() : seed);
    return new Call(LuaScripts.COMMAND, encoded, args, (v, t) -> { }, () -> { });
  }

  /** Sends a command from the sync thread soon (transitionOnResult); retried while SHARED. */
  void commandLater(SharedCircuitBreaker breaker, String op, long waitMillis) {
    later(commandCall(breaker.encodedName(), op, waitMillis, breaker.seed()), breaker);
  }

  /** Moves a breaker past its OPEN deadline soon, without taking the lease (automatic transition). */
  void claimLater(SharedCircuitBreaker breaker) {
    later(new Call(LuaScripts.CLAIM, breaker.encodedName(), args(breaker.encodedName(), "0"),
        (v, t) -> { }, () -> { }), breaker);
  }

  /** Reports the probe holder's verdict soon; dropped once the episode is over anyway. */
  void verdictLater(SharedCircuitBreaker breaker, long episode, State verdict) {
    Call call = new Call(LuaScripts.VERDICT, breaker.encodedName(),
        args(breaker.encodedName(), Long.toString(episode), verdict.name()), (v, t) -> { }, () -> { });
    asyncCalls.add(new Call(call.script(), call.encodedName(), call.args(),
        (v, sent) -> applyTo(breaker, v, sent), () -> {
          if (breaker.view().version() == episode && running) {
            asyncCalls.add(call);
          }
        }));
    wakeEager();
  }

  private void later(Call call, SharedCircuitBreaker breaker) {
    asyncCalls.add(new Call(call.script(), call.encodedName(), call.args(),
        (v, sent) -> applyTo(breaker, v, sent), () -> { }));
    wakeEager();
  }

  private List<Object> args(String encodedName, String... more) {
    List<Object> args = new ArrayList<>(24);
    args.add(Long.toString(settings.serverClockSkewMillis().getAsLong()));
    args.add(keys.channel());
    args.add(encodedName);
    args.add(nodeId);
    args.addAll(List.of(more));
    return args;
  }

  // ---------------------------------------------------------------- for the registry

  /**
   * Every breaker Redis knows under this prefix, with its shared state.
   *
   * @throws IllegalStateException when Redis does not answer in time
   */
  public Map<String, SharedView> readAll() {
    Collection<String> names;
    try {
      names = redisson.<String>getSet(keys.indexKey(), StringCodec.INSTANCE).readAllAsync()
          .toCompletableFuture().get(adminMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Redis did not list the breakers under " + keys.indexKey(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while listing breakers", e);
    }
    List<Call> calls = new ArrayList<>();
    List<String> valid = new ArrayList<>();
    for (String encoded : names) {
      try {
        KeySpace.decode(encoded);
      } catch (IllegalArgumentException e) {
        meters.rejected("malformed");
        continue;
      }
      valid.add(encoded);
      calls.add(new Call(LuaScripts.READ, encoded, args(encoded), (v, t) -> { }, () -> { }));
    }
    // Read in slices, each with its own deadline: one pipeline of 10,000 scripts on a busy
    // machine would make the answer depend on the registry's size rather than on Redis' health.
    // A read that fails (its connection dropped by another command's timeout) is tried again;
    // a list with breakers silently missing would mislead an operator, so it is never returned.
    Map<String, SharedView> result = new LinkedHashMap<>();
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      pending.add(i);
    }
    for (int attempt = 0; attempt < 3 && !pending.isEmpty(); attempt++) {
      List<Integer> failed = new ArrayList<>();
      for (int from = 0; from < pending.size(); from += READ_ALL_SLICE) {
        List<Integer> slice = pending.subList(from, Math.min(from + READ_ALL_SLICE, pending.size()));
        List<Object> replies;
        try {
          replies = execute(slice.stream().map(calls::get).toList(), adminMillis())
              .get(adminMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          failed.addAll(slice);
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Interrupted while reading breakers", e);
        }
        for (int k = 0; k < slice.size(); k++) {
          Object reply = replies.get(k);
          SharedView view = reply instanceof Throwable || reply == null ? null : parse(reply);
          if (view == null) {
            failed.add(slice.get(k));
          } else if (!view.isMissing()) {
            result.put(KeySpace.decode(valid.get(slice.get(k))), view);
          }
        }
      }
      pending = failed;
    }
    if (!pending.isEmpty()) {
      throw new IllegalStateException("Redis did not answer the reads of " + pending.size() + " of "
          + calls.size() + " breakers under " + keys.indexKey());
    }
    return result;
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
    while (running && !eagerRequested && inbox.isEmpty()) {
      long wait = nextTickNanos - System.nanoTime();
      if (wait <= 0) {
        break;
      }
      LockSupport.parkNanos(this, wait);
    }
    if (eagerRequested) {
      eagerRequested = false;
      sendDue = true;
      LockSupport.parkNanos(this, EAGER_COALESCE_NANOS); // let concurrent failures join this flush
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
    if (!asyncCalls.isEmpty()) {
      sendDue = true;
    }
    long second = Math.floorDiv(clock.millis(), 1000);
    for (SharedCircuitBreaker breaker : breakers.values()) {
      breaker.checkLocal(); // asynchronous local transitions: automatic, maximum wait in HALF_OPEN
      OutcomeCounter outcomes = breaker.outcomes();
      outcomes.applyDiscard();
      if (outcomes.isDirty()) {
        outcomes.sample(second);
      }
    }
    if (mode == SyncMode.SHARED && (batchInFlight || loadingScripts || lastFailed)
        && now - lastSuccessNanos >= localAfterNanos) {
      enterLocal("no answer for " + Duration.ofNanos(now - lastSuccessNanos).toMillis() + " ms");
    }
    if (batchInFlight) {
      return;
    }
    if (mode == SyncMode.LOCAL) {
      for (SharedCircuitBreaker breaker : breakers.values()) {
        CircuitBreakerConfig config = breaker.sharedConfig().config();
        breaker.outcomes().prune(second, isTimeBased(config), config.getSlidingWindowSize());
      }
      if (now - lastSentNanos >= syncNanos * 5) {
        send(List.of(), now); // a probe: does Redis answer again?
      }
      return;
    }
    if (!scriptsLoaded) {
      loadScripts();
      return;
    }
    // One pipeline per syncInterval, sooner only for an eager flush or a queued verdict or
    // command: a reply arriving early must not start the next pipeline at once.
    if (!sendDue) {
      return;
    }
    sendDue = false;
    List<Call> calls = collect(second, now);
    if (!calls.isEmpty() || now - lastSentNanos >= Math.min(reconcileNanos, 4 * syncNanos + 200_000_000L)) {
      send(calls, now);
    }
  }

  /**
   * The calls of the next pipeline: flushes first (outcomes, seeds, lease renewals), then reads
   * of breakers a message announced, then reconcile reads, spread so that each breaker is read
   * about once per reconcile interval. A pipeline cut at {@value #MAX_CALLS_PER_BATCH} calls
   * resumes where it stopped at the next tick.
   */
  private List<Call> collect(long second, long now) {
    List<Call> calls = new ArrayList<>();
    List<SharedCircuitBreaker> all = new ArrayList<>(breakers.values());
    int size = all.size();
    List<SharedCircuitBreaker> toRead = new ArrayList<>();
    int examined = 0;
    for (; examined < size && calls.size() < MAX_CALLS_PER_BATCH; examined++) {
      SharedCircuitBreaker breaker = all.get((rotation + examined) % size);
      Call flush = flushCall(breaker, second, now);
      if (flush != null) {
        calls.add(flush);
      } else if (breaker.verifyDue || now - breaker.lastViewNanos >= reconcileNanos) {
        toRead.add(breaker);
      }
    }
    rotation = size == 0 ? 0 : (rotation + Math.max(1, examined)) % size;
    long reconcileBudget = Math.max(1, (long) Math.ceil((double) size * syncNanos / reconcileNanos));
    for (SharedCircuitBreaker breaker : toRead) {
      if (calls.size() >= MAX_CALLS_PER_BATCH || (!breaker.verifyDue && reconcileBudget-- <= 0)) {
        continue;
      }
      breaker.lastViewNanos = now; // at most one read per interval, answered or not
      calls.add(new Call(LuaScripts.READ, breaker.encodedName(), args(breaker.encodedName()),
          (v, sent) -> {
            breaker.verifyDue = false;
            applyTo(breaker, v, sent);
          }, () -> { }));
    }
    for (Call call = asyncCalls.poll(); call != null && calls.size() < MAX_CALLS_PER_BATCH; call = asyncCalls.poll()) {
      calls.add(call);
    }
    return calls;
  }

  /** The breaker's flush, if it has outcomes, a seed or a lease renewal to send. */
  private @Nullable Call flushCall(SharedCircuitBreaker breaker, long second, long now) {
    OutcomeCounter.Flush flush = breaker.outcomes().nextFlush(sequence::incrementAndGet, breaker.view().version());
    boolean renew = breaker.holdsActiveLease(leaseNanos) && now - breaker.lastRenewNanos >= leaseNanos / 3;
    String seedMode = breaker.needsSeed ? "1" : breaker.reseedBehind ? "2" : "0";
    if (flush == null && !renew && "0".equals(seedMode)) {
      return null;
    }
    CircuitBreakerConfig config = breaker.sharedConfig().config();
    long sequenceNumber = flush == null ? 0 : flush.sequence();
    List<Object> args = args(breaker.encodedName(), Long.toString(sequenceNumber),
        renew ? Long.toString(breaker.heldEpoch()) : "0", seedMode);
    args.addAll("0".equals(seedMode) ? SharedConfig.noSeed() : breaker.seed());
    args.add(Long.toString(flush == null ? 0 : flush.epoch()));
    if (flush == null) {
      args.add("0");
    } else {
      args.addAll(OutcomeCounter.arguments(flush, second, isTimeBased(config), config.getSlidingWindowSize()));
    }
    if (renew) {
      breaker.lastRenewNanos = now;
    }
    return new Call(LuaScripts.FLUSH, breaker.encodedName(), args, (view, sent) -> {
      if (view.isMissing()) {
        breaker.needsSeed = true;
      } else {
        if (!"0".equals(seedMode)) {
          breaker.needsSeed = false;
          breaker.reseedBehind = false;
        }
        breaker.outcomes().acknowledge(sequenceNumber);
        if (sequenceNumber > 0) {
          settings.history().flushAcknowledged(nodeId, breaker.getName(), sequenceNumber, view.status());
        }
      }
      applyTo(breaker, view, sent);
    }, () -> { });
  }

  private static boolean isTimeBased(CircuitBreakerConfig config) {
    return config.getSlidingWindowType() == SlidingWindowType.TIME_BASED;
  }

  private void applyTo(SharedCircuitBreaker breaker, SharedView view, long requestedNanos) {
    breaker.lock().lock();
    try {
      breaker.apply(view, requestedNanos);
    } finally {
      breaker.lock().unlock();
    }
  }

  private void send(List<Call> calls, long now) {
    batchInFlight = true;
    batchSentNanos = now;
    lastSentNanos = now;
    offload(() -> execute(calls, commandMillis)).whenComplete((replies, error) -> {
      inbox.add(() -> completed(calls, replies, error, now));
      LockSupport.unpark(thread);
    });
  }

  private void completed(List<Call> calls, @Nullable List<Object> replies, @Nullable Throwable error, long sentNanos) {
    batchInFlight = false;
    if (error != null) {
      failed(error);
      calls.forEach(call -> call.onFailure().run());
      return;
    }
    long now = System.nanoTime();
    meters.roundTrip(Duration.ofNanos(now - sentNanos));
    succeeded(now);
    for (int i = 0; i < calls.size(); i++) {
      Call call = calls.get(i);
      Object reply = replies.get(i);
      if (reply instanceof Throwable failure) {
        if (isNoScript(failure)) {
          scriptsLoaded = false;
        } else {
          LOG.warn("Script {} for breaker {} failed", call.script(), call.encodedName(), failure);
          meters.failure("script");
        }
        call.onFailure().run();
        continue;
      }
      SharedView view = parse(reply);
      if (view == null) {
        call.onFailure().run();
        continue;
      }
      call.onReply().accept(view, sentNanos);
    }
  }

  private @Nullable SharedView parse(Object reply) {
    try {
      SharedView view = SharedView.fromReply((List<?>) reply);
      offsetMillis = view.serverNow() - clock.millis();
      return view;
    } catch (IllegalArgumentException | ClassCastException e) {
      meters.rejected("malformed-reply");
      LOG.warn("Ignoring a malformed script reply: {}", e.getMessage());
      return null;
    }
  }

  private void succeeded(long now) {
    lastSuccessNanos = now;
    lastFailed = false;
    if (mode == SyncMode.LOCAL) {
      rejoin();
    }
    if (!subscribed) {
      subscribe();
    }
  }

  private void failed(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (isNoScript(cause)) {
      scriptsLoaded = false;
      return;
    }
    meters.failure(cause.getClass().getSimpleName().contains("Timeout") ? "timeout" : "error");
    LOG.debug("Redis pipeline failed", cause);
    lastFailed = true; // the next tick goes LOCAL once Redis has been silent for localModeAfter
  }

  private static boolean isNoScript(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  private void enterLocal(String why) {
    mode = SyncMode.LOCAL;
    meters.modeChange(SyncMode.LOCAL);
    LOG.warn("Redis unreachable ({}): {} circuit breakers under '{}' decide locally until it answers",
        why, breakers.size(), keys.prefix());
    breakers.values().forEach(SharedCircuitBreaker::enterLocalMode);
  }

  private void rejoin() {
    mode = SyncMode.SHARED;
    scriptsLoaded = false; // Redis may have restarted without them
    meters.modeChange(SyncMode.SHARED);
    LOG.info("Redis answers again: circuit breakers under '{}' follow the fleet", keys.prefix());
    breakers.values().forEach(SharedCircuitBreaker::leaveLocalMode);
  }

  private void loadScripts() {
    if (loadingScripts) {
      return;
    }
    loadingScripts = true;
    lastSentNanos = System.nanoTime();
    offload(() -> {
      List<CompletableFuture<String>> loads = new ArrayList<>();
      RScript script = redisson.getScript(StringCodec.INSTANCE);
      for (LuaScripts lua : LuaScripts.values()) {
        loads.add(script.scriptLoadAsync(lua.text()).toCompletableFuture());
      }
      return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
    })
        .orTimeout(commandMillis, TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> {
          inbox.add(() -> {
            loadingScripts = false;
            if (error == null) {
              scriptsLoaded = true;
              succeeded(System.nanoTime());
            } else {
              failed(error);
            }
          });
          LockSupport.unpark(thread);
        });
  }

  private void subscribe() {
    subscribed = true;
    io.execute(this::addListeners);
  }

  private void addListeners() {
    RTopic topic = redisson.getTopic(keys.channel(), StringCodec.INSTANCE);
    // Messages are applied on Redisson's listener thread: handing them to the sync thread would
    // add a thread wake-up to every node's share of the fleet's convergence.
    topic.addListenerAsync(String.class, (channel, message) -> onMessage(message, System.nanoTime()))
        .whenComplete((id, error) -> recordListener(id, error));
    topic.addListenerAsync(new StatusListener() {
      @Override
      public void onSubscribe(String channel) {
        // Messages sent while the subscription was down are lost: read every state again.
        inbox.add(() -> breakers.values().forEach(b -> b.verifyDue = true));
        LockSupport.unpark(thread);
      }

      @Override
      public void onUnsubscribe(String channel) {
        // Redisson resubscribes by itself; onSubscribe then triggers the re-read.
      }
    }).whenComplete((id, error) -> recordListener(id, error));
  }

  private void recordListener(@Nullable Integer id, @Nullable Throwable error) {
    inbox.add(() -> {
      if (error != null) {
        subscribed = false; // try again after the next successful round trip
        LOG.debug("Subscription to {} failed", keys.channel(), error);
      } else if (id != null) {
        listenerIds.add(id);
      }
    });
  }

  private void onMessage(String message, long receivedNanos) {
    SharedView.Hint hint;
    try {
      hint = SharedView.fromMessage(message);
    } catch (IllegalArgumentException e) {
      meters.rejected("malformed");
      LOG.debug("Ignoring malformed message on {}: {}", keys.channel(), e.getMessage());
      return;
    }
    SharedCircuitBreaker breaker = breakers.get(hint.encodedName());
    if (breaker != null) {
      try {
        applyTo(breaker, hint.view(), receivedNanos);
      } catch (RuntimeException e) {
        LOG.error("Applying a message to circuit breaker {} failed", hint.encodedName(), e);
      }
    }
  }

  /** Runs one call now from the calling thread, waiting at most the command timeout. */
  private @Nullable SharedView callNow(Call call) {
    return callNow(call, commandMillis, false);
  }

  /**
   * Runs an administrative call (manual transition, reset, read) from the calling thread. Not on
   * the call path, so it may wait longer than a claim (a client built with lazy initialization
   * connects on first use), and a script Redis does not know yet is loaded and tried again.
   */
  private @Nullable SharedView adminNow(Call call) {
    return callNow(call, adminMillis(), true);
  }

  private long adminMillis() {
    return Math.max(commandMillis * 4, 2_000);
  }

  private @Nullable SharedView callNow(Call call, long timeoutMillis, boolean loadIfMissing) {
    Object reply;
    try {
      reply = execute(List.of(call), timeoutMillis).get(timeoutMillis, TimeUnit.MILLISECONDS).get(0);
    } catch (ExecutionException e) {
      if (!isNoScript(e)) {
        return null; // Redis unreachable or slow: the caller degrades, the sync thread reports it
      }
      reply = e.getCause(); // a pipeline of one fails as a whole when its one call fails
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    if (!(reply instanceof Throwable failure)) {
      return parse(reply);
    }
    if (!isNoScript(failure)) {
      LOG.warn("Script {} for breaker {} failed", call.script(), call.encodedName(), failure);
      return null;
    }
    // Redis lost its script cache (restart, SCRIPT FLUSH), or this call beat the sync thread's
    // first load: the sync thread reloads them all; an operator's call loads its own and retries.
    scriptsLoaded = false;
    wake();
    if (!loadIfMissing) {
      return null;
    }
    try {
      redisson.getScript(StringCodec.INSTANCE).scriptLoadAsync(call.script().text())
          .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    return callNow(call, timeoutMillis, false);
  }

  /**
   * Runs a Redisson call on the io thread: a client built with lazy initialization connects on
   * first use, synchronously, and that must never hold up the sync thread's clock.
   */
  private <T> CompletableFuture<T> offload(Supplier<CompletableFuture<T>> action) {
    return CompletableFuture.supplyAsync(action, io).thenCompose(Function.identity());
  }

  /**
   * Sends calls in one pipeline. The future completes with one element per call, its reply or
   * its failure; exceptionally only when the pipeline as a whole failed. Operator commands wait
   * longer than the sync's own calls: they are not on anyone's call path, and giving up on them
   * turns a fleet-wide transition into a local one.
   */
  private CompletableFuture<List<Object>> execute(List<Call> calls, long responseMillis) {
    RBatch batch = redisson.createBatch(BatchOptions.defaults()
        .responseTimeout(responseMillis, TimeUnit.MILLISECONDS)
        .retryAttempts(0));
    List<String> created = new ArrayList<>();
    for (Call call : calls) {
      if (call.creates()) {
        created.add(call.encodedName());
      }
    }
    if (!created.isEmpty()) {
      // Listing and the CLI find breakers through this set (another slot on a Cluster, so not
      // inside the script). Idempotent. Sent before the scripts: Redis runs a pipeline in order,
      // so a breaker's state never exists unlisted, even when the rest of the pipeline is lost.
      batch.getSet(keys.indexKey(), StringCodec.INSTANCE).addAllAsync(created);
    } else if (calls.isEmpty()) {
      batch.getSet(keys.indexKey(), StringCodec.INSTANCE).sizeAsync(); // a heartbeat
    }
    RScriptAsync script = batch.getScript(StringCodec.INSTANCE);
    List<CompletableFuture<Object>> futures = new ArrayList<>(calls.size());
    for (Call call : calls) {
      List<Object> callKeys = keys.scriptKeys(call.encodedName());
      RFuture<Object> future = script.evalShaAsync((String) callKeys.get(0), RScript.Mode.READ_WRITE,
          call.script().sha(), RScript.ReturnType.LIST, callKeys, call.args().toArray());
      futures.add(future.toCompletableFuture());
    }
    // The batch's future may complete before the futures of its commands do (they complete on
    // the reply's thread, one after the other): wait for them too, briefly, so no reply is
    // taken for missing.
    CompletableFuture<?> all = CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new));
    return batch.executeAsync().toCompletableFuture()
        .handle((result, error) -> error)
        .thenCompose(error -> all.handle((v, t) -> error).completeOnTimeout(error, responseMillis, TimeUnit.MILLISECONDS))
        .thenApply(error -> {
          if (error != null && futures.stream().noneMatch(f -> f.isDone() && !f.isCompletedExceptionally())) {
            throw new CompletionException(error);
          }
          Throwable missing = error != null ? error : new IllegalStateException("no reply in the pipeline");
          List<Object> replies = new ArrayList<>(futures.size());
          for (CompletableFuture<Object> future : futures) {
            replies.add(future.handle((value, failure) -> failure != null ? (Object) failure : value).getNow(missing));
          }
          return replies;
        });
  }

  private void finalFlush() {
    if (mode != SyncMode.SHARED || !scriptsLoaded) {
      return;
    }
    long second = Math.floorDiv(clock.millis(), 1000);
    long now = System.nanoTime();
    List<Call> calls = new ArrayList<>();
    for (SharedCircuitBreaker breaker : breakers.values()) {
      breaker.outcomes().sample(second);
      Call call = flushCall(breaker, second, now);
      if (call != null) {
        calls.add(call);
      }
    }
    if (!calls.isEmpty()) {
      try {
        execute(calls, commandMillis).get(commandMillis, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        LOG.debug("Final flush did not complete", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
    RTopic topic = redisson.getTopic(keys.channel(), StringCodec.INSTANCE);
    for (Integer id : listenerIds) {
      topic.removeListenerAsync(id);
    }
  }
}
