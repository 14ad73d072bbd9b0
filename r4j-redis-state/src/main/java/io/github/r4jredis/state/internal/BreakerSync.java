package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.SyncMode;
import io.github.r4jredis.state.internal.LuaScripts.SeedMode;
import io.github.r4jredis.state.internal.SharedView.Status;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the sync thread keeps and sends for one breaker: its outcome log, whether it must be
 * seeded or read, the requests that keep the fleet moving, and the chain of this node's own steps.
 * Each tick, {@link #collect} adds this breaker's script calls to the registry's pipeline.
 *
 * <p>Thread-safety: the flags and requests may be set from any thread; everything else belongs
 * to the sync thread.
 */
final class BreakerSync implements Rounds.Member {

  private static final long FLUSHED_RECENTLY_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * How often a node that calls a breaker no flush of its has told Redis of (its calls are not
   * counted: OPEN, FORCED_OPEN, DISABLED) flushes anyway: the breaker's keys expire a week after
   * the last flush of any node (STATE_TTL_MS in common.lua), and a breaker in use must not.
   */
  static final long KEEP_ALIVE_NANOS = TimeUnit.HOURS.toNanos(1);

  private final SharedCircuitBreaker breaker;
  private final OutcomeLog outcomes;
  private final AtomicReferenceArray<Intent> requests = new AtomicReferenceArray<>(Intent.Kind.values().length);
  private final boolean timeBased;
  private final int windowSize;
  private final int maxRuns;
  private final int minCalls;
  private final float failureRateThreshold;
  private final float slowCallRateThreshold;

  // Set from any thread, consumed by the sync thread.
  volatile boolean needsSeed = true;
  volatile boolean reseedBehind;
  volatile boolean verifyDue;
  volatile long lastViewNanos = System.nanoTime();
  private volatile long lastFlushedNanos = System.nanoTime() - 2 * FLUSHED_RECENTLY_NANOS;
  /** Set when everything must reach Redis (the registry closes; a test waits): held successes go at the next tick. */
  volatile boolean sendHeld;
  /** When another node told of the first failures of a quiet fleet (System.nanoTime). */
  private volatile long othersFailingNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  /** Whether the sync thread visits the breaker at every tick or once per reconcile interval. */
  private final Rounds.Mark mark = new Rounds.Mark();
  // Sync thread.
  private long lastRenewNanos;
  private long lastFlushSentNanos;

  BreakerSync(SharedCircuitBreaker breaker, OutcomeLog outcomes) {
    this.breaker = breaker;
    this.outcomes = outcomes;
    CircuitBreakerConfig config = breaker.getCircuitBreakerConfig();
    this.timeBased = config.getSlidingWindowType() == SlidingWindowType.TIME_BASED;
    this.windowSize = config.getSlidingWindowSize();
    this.maxRuns = timeBased ? 64 : Math.max(64, windowSize);
    this.minCalls = timeBased ? config.getMinimumNumberOfCalls()
        : Math.min(config.getMinimumNumberOfCalls(), windowSize);
    this.failureRateThreshold = config.getFailureRateThreshold();
    this.slowCallRateThreshold = config.getSlowCallRateThreshold();
  }

  OutcomeLog outcomes() {
    return outcomes;
  }

  /** Asks for {@code intent} to be sent soon, unless one of its kind is already waiting. Any thread. */
  void request(Intent intent) {
    int slot = intent.kind().ordinal();
    if (requests.get(slot) == null && requests.compareAndSet(slot, null, intent)) {
      breakerEngine().wakeEager(breaker);
    }
  }

  void clearRequests() {
    for (int i = 0; i < requests.length(); i++) {
      requests.set(i, null);
    }
  }

  /** Another node reported the first failures of a quiet fleet: nothing waits for a while. Any thread. */
  void othersFailing(long nowNanos) {
    othersFailingNanos = nowNanos; // before the flag: updateRedundancy reads it after setting it
    breaker.successesRedundant = false;
  }

  /**
   * Whether this node's fast successes are redundant: the fleet's COUNT_BASED window is full of
   * successes (no failed or slow call, no failing node) in the CLOSED episode this node is in,
   * and nothing of this node's waits but fast successes. Another success then changes nothing in
   * the window (it evicts a success), so the call path does not count it at all, and the fast
   * successes waiting here since the last flush are dropped too; a flush, with outcomes or none,
   * tells Redis that this node still uses the breaker (see
   * {@link SharedCircuitBreaker#hasSkippedSuccesses}). Only while successes may
   * wait anyway ({@code maxFlushDelay}). The call path clears it at its first failed or slow call,
   * a view or message that tells of failures clears it at once, and this sets it at every tick.
   */
  private void updateRedundancy(Batch batch, SharedView v) {
    boolean redundant = quiet(batch) && breaker.engine().mode() == SyncMode.SHARED && fullOfSuccesses(v)
        && breaker.inSharedClosedEpisode() && !hasRequest();
    breaker.successesRedundant(redundant, v.version());
    // Checked again after the flag is set, as the other threads write first and clear it after:
    // a failure recorded meanwhile, a message of others' failures, a view applied meanwhile.
    if (redundant && (!quiet(batch) || breaker.view() != v)) {
      breaker.successesRedundant = false;
    } else if (redundant && outcomes.discardWaitingSuccesses()) {
      // Made before the window filled with successes, sent later they would land after whatever
      // Redis merged meanwhile: at an outage, after the first failures, which they push out.
      breaker.successesSkipped();
    }
  }

  /**
   * Whether this node's fast successes may wait at all (see {@link #mayWait}, and may go
   * uncounted, see {@link #updateRedundancy}): held flushes are on, nothing else of this node's
   * waits (no failed or slow call, no step), no other node told of failures lately.
   */
  private boolean quiet(Batch batch) {
    long hold = batch.maxFlushDelayNanos();
    return hold > 0 && !sendHeld && !breaker.hasSteps() && batch.nowNanos() - othersFailingNanos >= hold
        && outcomes.onlyFastSuccessesWait();
  }

  /**
   * Whether the fleet's window, as Redis reported it in {@code v} (not a message, which carries no
   * window), is a full COUNT_BASED window of fast successes.
   */
  boolean fullOfSuccesses(SharedView v) {
    // This node's window type and size are the fleet's only while their configs agree.
    return !timeBased && v.verified() && breaker.sharesConfig(v) && v.state() == State.CLOSED
        && v.calls() >= windowSize && v.failures() == 0 && v.slowCalls() == 0 && v.failingNodes() == 0;
  }

  /** Whether a step of this node's chain or a request waits: they go before other breakers' calls. */
  @Override
  public boolean urgent() {
    return breaker.hasSteps() || hasRequest();
  }

  @Override
  public Rounds.Mark mark() {
    return mark;
  }

  @Override
  public void tick(long nowNanos) {
    breaker.tick(nowNanos);
  }

  SharedCircuitBreaker breaker() {
    return breaker;
  }

  private boolean hasRequest() {
    for (int i = 0; i < requests.length(); i++) {
      if (requests.get(i) != null) {
        return true;
      }
    }
    return false;
  }

  /** Whether nothing waits to be sent: no seed, no outcomes, no skipped successes to tell of, no request. */
  boolean isIdle() {
    return !needsSeed && !reseedBehind && !verifyDue && outcomes.unacknowledged().calls() == 0
        && !breaker.hasSkippedSuccesses() && !hasRequest();
  }

  /**
   * Whether nobody called the breaker on this node for three reconcile intervals: it gets no
   * reconcile reads (a registry of thousands of breakers it seldom uses would read them all,
   * forever). Messages still reach it, and so does a check a message asks for; its next call
   * reads it again, as the view is old by then: a permitted call's flush does not wait, a
   * refused one makes it used again at once.
   */
  private boolean idle(Batch batch) {
    return idle(batch.nowNanos(), batch.reconcileNanos());
  }

  private boolean idle(long now, long reconcileNanos) {
    long idleNanos = 3 * reconcileNanos;
    return now - lastFlushedNanos >= idleNanos && now - breaker.lastDemandNanos() >= idleNanos
        && outcomes.unacknowledged().calls() == 0 && !breaker.hasSteps() && !hasRequest();
  }

  /**
   * Whether the sync thread may leave this breaker to its slow round (a visit per reconcile
   * interval instead of one per tick): idle, nothing to send, and no deadline of its own to keep
   * (see {@link SharedCircuitBreaker#keepsNoDeadline}). A registry of thousands of breakers it
   * seldom uses then costs the sync thread what its busy ones cost.
   */
  @Override
  public boolean coolable(long now, long reconcileNanos) {
    return isIdle() && idle(now, reconcileNanos) && breaker.keepsNoDeadline();
  }

  /** Whether Redis took a flush of this node lately: then this node is among its active nodes. */
  boolean flushedRecently() {
    return System.nanoTime() - lastFlushedNanos < FLUSHED_RECENTLY_NANOS;
  }

  private SyncEngine breakerEngine() {
    return breaker.engine();
  }

  /** Drops what the window can no longer hold, while Redis is away. */
  long prune(long second) {
    return outcomes.prune(second, timeBased, windowSize);
  }

  /**
   * Adds this breaker's calls to the pipeline: a seed first (nothing else until Redis has the
   * breaker), then the next step of this node's chain alone, else a flush, one request, and a
   * read when the state needs checking.
   */
  void collect(Batch batch) {
    SharedView v = breaker.view();
    updateRedundancy(batch, v);
    if (needsSeed || reseedBehind) {
      batch.add(flush(batch, v, needsSeed ? SeedMode.IF_MISSING : SeedMode.IF_BEHIND));
      return;
    }
    Intent step = breaker.chainHead();
    if (step != null) {
      // Outcomes of the episode this node is leaving go first, under its version.
      Batch.Call before = flush(batch, v, SeedMode.NONE);
      if (before != null) {
        batch.add(before);
      }
      Batch.Call call = chainCall(batch, step, v);
      if (call != null) {
        batch.add(call);
      }
      return;
    }
    Batch.Call flush = flush(batch, v, SeedMode.NONE);
    if (flush != null) {
      batch.add(flush);
    }
    Batch.Call request = requestCall(batch, v);
    if (request != null) {
      batch.add(request);
    }
    if (flush == null && request == null && (verifyDue || (!idle(batch) && batch.reconcileDue(lastViewNanos)))) {
      if (!verifyDue) {
        lastViewNanos = batch.nowNanos(); // at most one reconcile read per interval, answered or not
      }
      batch.add(batch.call(new LuaScripts.Read(), breaker), (view, sent) -> {
        verifyDue = false;
        breaker.applyReply(view, sent);
      });
    }
  }

  /** The breaker's flush, if it has outcomes, a seed or a lease renewal to send. */
  private Batch.Call flush(Batch batch, SharedView v, SeedMode seedMode) {
    long now = batch.nowNanos();
    boolean seeding = seedMode.seeds();
    boolean renew = !seeding && breaker.holdsActiveLease(batch.leaseNanos())
        && now - lastRenewNanos >= batch.leaseNanos() / 3;
    boolean keepAlive = !seeding && now - lastFlushedNanos >= KEEP_ALIVE_NANOS
        && now - breaker.lastDemandNanos() < KEEP_ALIVE_NANOS;
    // Successes skipped while the fleet's window was full of them change nothing there; that they
    // were made goes when held successes would, as a flush with outcomes or none: this node uses
    // the breaker. Not when another node's first failures end the redundancy: 49 empty flushes
    // would then queue in Redis before the failures that must reach it.
    boolean skipped = (sendHeld || now - lastFlushSentNanos >= batch.maxFlushDelayNanos() || batch.viewOld(lastViewNanos))
        && breaker.hasSkippedSuccesses();
    if (!seeding && !renew && !keepAlive && !skipped && mayWait(batch, v)) {
      return null;
    }
    // While this node's own steps are on their way, its outcomes wait for the version those steps
    // lead to: counted under an episode Redis does not have yet, they would be dropped.
    OutcomeLog.Flush flush = outcomes.nextFlush(batch::nextSequence, v.version(), breaker.chainHead() == null,
        breaker::epochAfter);
    if (flush == null && !renew && !seeding && !keepAlive && !skipped) {
      return null;
    }
    if (flush != null || skipped) {
      breaker.skippedSuccessesTold();
      lastFlushSentNanos = now;
      sendHeld = false;
    }
    long clockMillis = breaker.clockMillis();
    LuaScripts.ArgList args = batch.call(new LuaScripts.Flush(flush == null ? 0 : flush.sequence(),
        renew ? v.version() : 0, seedMode, flush == null ? 0 : flush.epoch(),
        flush == null ? List.of() : flush.arguments(Math.floorDiv(clockMillis, 1000), timeBased, windowSize, maxRuns)),
        breaker, clockMillis);
    if (seeding) {
      breaker.seed(args);
    }
    if (renew) {
      lastRenewNanos = now;
    }
    long sequence = flush == null ? 0 : flush.sequence();
    OutcomeLog.Flush sent = flush;
    return batch.call(args, (view, requested) -> {
      if (view.isMissing()) {
        breaker.applyReply(view, requested); // re-seeds it; the outcomes are sent again
        return;
      }
      if (seeding) {
        needsSeed = false;
        reseedBehind = false;
        if (view.flags().contains(SharedView.Flag.CREATED)) {
          // The reply that created the breaker counted only this node: a read at the next tick
          // learns which nodes joined meanwhile (until then this node assumes some did).
          verifyDue = true;
        }
      }
      breaker.flushReplied(view, requested, sent, () -> {
        outcomes.acknowledge(sequence);
        lastFlushedNanos = System.nanoTime();
        if (sequence > 0) {
          breaker.engine().history().flushAcknowledged(breaker.nodeId(), breaker.getName(), sequence,
              view.status() == Status.DUP ? "DUP" : "OK");
        }
      });
    });
  }

  /**
   * Whether this breaker's outcomes may wait for a later pipeline, to spare Redis most of its
   * work while all is well: only fast successes wait (they cannot open a breaker), while the
   * fleet is CLOSED and far from its thresholds (its window holds at least the minimum number of
   * calls, at rates under half of each threshold, and no node reports failures in it), and for at
   * most {@code maxFlushDelay} after this node's last flush. A failed or slow call goes at once,
   * with every success before it; and the flush that brings a quiet fleet its first failures
   * tells every node (a message), whose held successes then go too.
   */
  private boolean mayWait(Batch batch, SharedView v) {
    // A view as old as the reconcile interval would cost a read: the flush's reply serves instead.
    // Another node failing (in the last view, or told since) ends the hold: its failures must not
    // fill the window while these successes wait.
    if (!quiet(batch) || v.state() != State.CLOSED
        || batch.nowNanos() - lastFlushSentNanos >= batch.maxFlushDelayNanos() || batch.viewOld(lastViewNanos)) {
      return false;
    }
    long calls = v.calls();
    return calls > 0 && calls >= minCalls && v.failingNodes() == 0
        && v.failures() * 100.0f / calls < failureRateThreshold / 2
        && v.slowCalls() * 100.0f / calls < slowCallRateThreshold / 2;
  }

  /**
   * The call of the chain's next step, built from the state the previous steps left; null when
   * the step needs no call (already done) or cannot apply any more (then the chain is dropped).
   */
  private Batch.Call chainCall(Batch batch, Intent step, SharedView v) {
    String me = breaker.nodeId();
    long base = breaker.chainBase(v);
    switch (step.kind()) {
      case TRIP -> {
        // Answered by the reply to the flush carrying the call; when no flush can carry it any
        // more (it was answered before the trip was seen), by the state Redis reported.
        if (outcomes.isSettled(step.sequence())) {
          breaker.chainReplied(step, v, batch.nowNanos(), v.state() == State.OPEN && v.heldBy(me));
        }
        return null;
      }
      case START -> {
        if (tookStep(step, v, base)) {
          breaker.chainReplied(step, v, batch.nowNanos(), true); // taken already (a lost reply)
          return null;
        }
        if ((v.state() != State.OPEN && v.state() != State.HALF_OPEN) || !v.heldBy(me) || !v.continues(base)) {
          breaker.chainReplied(step, v, batch.nowNanos(), false);
          return null;
        }
        LuaScripts.ArgList args = batch.call(new LuaScripts.Claim(LuaScripts.Want.START, v.version()), breaker);
        return batch.call(args, (view, sent) -> chainReply(step, view, sent,
            view.status() == Status.GRANTED || tookStep(step, view, base)));
      }
      case VERDICT -> {
        if (tookStep(step, v, base)) {
          breaker.chainReplied(step, v, batch.nowNanos(), true);
          return null;
        }
        if (v.state() != State.HALF_OPEN || !v.heldBy(me) || !v.continues(base)) {
          breaker.chainReplied(step, v, batch.nowNanos(), false);
          return null;
        }
        LuaScripts.ArgList args = batch.call(new LuaScripts.Verdict(v.version(), step.target()), breaker);
        return batch.call(args, (view, sent) -> chainReply(step, view, sent,
            view.status() == Status.APPLIED || tookStep(step, view, base)));
      }
      default -> {
        // transitionOnResult's OPEN applies only over the CLOSED state it was counted in: never
        // over a newer one (FORCED_OPEN...).
        boolean onResult = step.kind() == Intent.Kind.RESULT_OPEN;
        LuaScripts.ArgList args = batch.call(new LuaScripts.Command(step.op(), step.waitMillis(),
            LuaScripts.SeedMode.IF_MISSING, step.sequence(), onResult ? State.CLOSED : null, onResult ? v.version() : 0,
            step.target() == State.OPEN || step.target() == State.HALF_OPEN), breaker);
        breaker.seed(args);
        return batch.call(args, (view, sent) -> chainReply(step, view, sent,
            view.status() == Status.APPLIED || view.status() == Status.DUP));
      }
    }
  }

  /**
   * Whether Redis already holds what a start or verdict step over version {@code base} leads to.
   * A call whose reply timed out may still have run; sent again it is refused as stale, and read
   * as refused the node would undo a step the fleet took.
   */
  private boolean tookStep(Intent step, SharedView v, long base) {
    if (v.isMissing() || v.version() != base + 1 || v.state() != step.target()) {
      return false;
    }
    return v.heldBy(breaker.nodeId()) || step.target() != State.HALF_OPEN && step.target() != State.OPEN;
  }

  private void chainReply(Intent step, SharedView view, long sent, boolean taken) {
    if (view.isMissing()) {
      breaker.applyReply(view, sent); // seeds it; the step is sent again after
      return;
    }
    breaker.chainReplied(step, view, sent, taken);
  }

  /** One waiting request, if it still applies to the state this node holds. */
  private Batch.Call requestCall(Batch batch, SharedView v) {
    for (Intent.Kind kind : Intent.Kind.values()) {
      Intent intent = requests.get(kind.ordinal());
      if (intent == null) {
        continue;
      }
      requests.compareAndSet(kind.ordinal(), intent, null);
      if (kind != Intent.Kind.LEASE && intent.expectVersion() != v.version()) {
        continue; // the state moved on: the request no longer applies
      }
      LuaScripts.ArgList args = batch.call(
          new LuaScripts.Claim(LuaScripts.Want.valueOf(kind.name()), intent.expectVersion()), breaker);
      return batch.call(args, (view, sent) -> {
        if (kind == Intent.Kind.LEASE) {
          breaker.engine().meters().claim(view.status().name().toLowerCase(java.util.Locale.ROOT));
          breaker.leaseReplied(view, sent);
        } else {
          breaker.applyReply(view, sent);
        }
      });
    }
    return null;
  }
}
