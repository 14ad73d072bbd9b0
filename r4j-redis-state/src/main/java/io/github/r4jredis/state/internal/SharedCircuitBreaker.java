package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.FleetMetrics;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreaker.CallObserver;
import io.github.r4jredis.state.RedisClock;
import io.github.r4jredis.state.SyncMode;
import io.github.r4jredis.state.internal.SharedView.Flag;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.circuitbreaker.ResultRecordedAsFailureException;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnCallNotPermittedEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnIgnoredErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnResetEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSuccessEvent;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import io.github.resilience4j.core.functions.Either;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet-shared breaker of one name on one node.
 *
 * <p>It holds a plain Resilience4j state machine ({@link #local}) fed with every outcome of this
 * node, and the last shared state Redis reported ({@link #view}, fenced by its version). The
 * local machine decides whenever this node is the one deciding, with Resilience4j's exact
 * semantics and clock:
 * <ul>
 *   <li>in LOCAL mode (Redis unreachable);
 *   <li>before Redis first answered (version 0: the breaker is exact from its first call);
 *   <li>while the fleet is CLOSED: it permits unless this node's own calls tripped it (a node
 *       with a bad network protects itself while the fleet stays CLOSED);
 *   <li>in OPEN and HALF_OPEN when this node holds the reservation of the next trial episode or
 *       the trial lease: it alone runs the trial calls, when its own machine says the wait is
 *       over, and reaches Resilience4j's verdict at once;
 *   <li>while steps it took on its own (a verdict, a start, a transition made by hand) are on
 *       their way to Redis: the node runs ahead of Redis on the chain of versions it predicts,
 *       and follows Redis again if Redis refuses a step;
 *   <li>in FORCED_OPEN, DISABLED and METRICS_ONLY, to which it is aligned.
 * </ul>
 * Otherwise (OPEN or HALF_OPEN with another node holding the episode) the shared state decides:
 * the call is rejected. Every change of the shared state re-aligns the local machine; every change
 * of the resulting effective state is published as Resilience4j transition events.
 *
 * <p>Thread-safety: the call path reads volatile fields and calls the local machine, which is
 * thread-safe. {@link #lock} guards changes of {@link #view}, the alignment of {@link #local},
 * the chain of intents and the publication of transitions.
 */
public final class SharedCircuitBreaker implements RedisCircuitBreaker {

  private static final Logger LOG = LoggerFactory.getLogger(SharedCircuitBreaker.class);
  /** A reservation holder with no call attempt for this long at its deadline gives it up. */
  private static final long IDLE_HOLDER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String name;
  private final String encodedName;
  private final CircuitBreakerConfig config;
  private final SharedConfig shared;
  private final Map<String, String> tags;
  private final SyncEngine engine;
  private final CircuitBreakerStateMachine local;
  private final BreakerEvents events;
  private final BreakerSync sync;
  private final Clock clock;
  private final boolean systemClock;
  private final long slowCallNanos;
  private final ReentrantLock lock = new ReentrantLock();
  /** {@link #getMetrics()}: each read asks the window that applies now. */
  private final Metrics metrics = new SwitchingMetrics(this::currentWindow, this::notPermittedCalls);
  /**
   * Whether Resilience4j's scheduler moves the local machine by itself (automatic transition,
   * maximum wait in HALF_OPEN): then the sync thread observes those moves, but leaves the moves a
   * caller makes to that caller ({@link #inCalls}), so that their events are published on the
   * calling thread.
   */
  private final boolean scheduled;
  /** A TIME_BASED window files each outcome under the second of the breaker's clock it came in. */
  private final boolean timeBased;
  private final java.util.concurrent.atomic.AtomicInteger inCalls = new java.util.concurrent.atomic.AtomicInteger();
  private final FleetMetrics fleet;

  private volatile SharedView view;
  private volatile State effective;
  private volatile State observedLocal;
  private volatile LongAdder rejected = new LongAdder();
  private volatile long eagerThreshold = 1;
  private volatile long lastDemandNanos;

  // Guarded by lock.
  /** This node's steps on their way to Redis, and what it predicts from them. */
  private final StepChain chain;
  /** Copied on write: the call path reads it without a lock. */
  private volatile CallObserver[] observers = new CallObserver[0];
  /** Whether a fast success would change nothing in the fleet's window (set by the sync thread). */
  volatile boolean successesRedundant;
  /** Whether a fast success was left uncounted since the last flush (see {@link #count}). */
  private volatile boolean successSkipped;
  /** The version of the shared state in which fast successes were found redundant. */
  private volatile long redundantVersion;
  private boolean localManual;
  private boolean realignOnNextView;
  private boolean mismatchLogged;
  private boolean corruptLogged;
  private final HintTrust trust = new HintTrust(System.nanoTime());
  private final ThresholdEvents thresholds;
  /** This node's trial calls and the fleet episode they are in. Guarded by lock. */
  private final TrialLedger trials;

  SharedCircuitBreaker(String name, CircuitBreakerConfig config, SharedConfig shared,
      Map<String, String> tags, SyncEngine engine) {
    this.name = name;
    this.encodedName = KeySpace.encode(name);
    this.config = config;
    this.shared = shared;
    this.tags = Map.copyOf(tags);
    this.engine = engine;
    this.clock = config.getClock();
    this.systemClock = RedisClock.isSystem(clock);
    this.slowCallNanos = config.getSlowCallDurationThreshold().toNanos();
    this.timeBased = config.getSlidingWindowType() == SlidingWindowType.TIME_BASED;
    this.scheduled = config.isAutomaticTransitionFromOpenToHalfOpenEnabled()
        || config.getMaxWaitDurationInHalfOpenState().toMillis() >= 1;
    this.local = new CircuitBreakerStateMachine(name, config, tags);
    this.effective = local.getState();
    this.observedLocal = effective;
    this.view = SharedView.initial(effective, engine.nodeId(),
        effective == State.OPEN || effective == State.HALF_OPEN || effective == State.FORCED_OPEN ? 1 : 0);
    this.chain = new StepChain(engine.nodeId(), view);
    this.lastDemandNanos = System.nanoTime();
    this.events = new BreakerEvents(() -> effective);
    this.thresholds = new ThresholdEvents(name, config, events, lock, () -> effective);
    this.trials = new TrialLedger(episode -> engine.history().trialPermitted(engine.nodeId(), name, episode));
    this.sync = new BreakerSync(this, new OutcomeLog(timeBased ? 64 : Math.max(64, config.getSlidingWindowSize())));
    this.fleet = new FleetWindow(config, () -> view, () -> sync.outcomes().unacknowledged(), this::notPermittedCalls);
    // No consumer is registered on the local machine: with one, Resilience4j builds an event
    // object (and reads the wall clock) on every call. Its transitions are observed instead,
    // after each call into it and on every sync tick (the ones its scheduler makes).
  }

  // ---------------------------------------------------------------- the call path

  @Override
  public boolean tryAcquirePermission() {
    enter();
    boolean permitted;
    try {
      permitted = decide();
      if (!permitted || observedLocal != State.CLOSED) {
        checkLocal(null); // a CLOSED local machine that permits cannot have moved
      }
    } finally {
      exit();
    }
    if (!permitted) {
      lastDemandNanos = System.nanoTime();
      warmIfCold();
      if (events.wantsCallEvents()) {
        events.publish(() -> new CircuitBreakerOnCallNotPermittedEvent(name));
      }
      observed(Outcome.NOT_PERMITTED, 0, TimeUnit.NANOSECONDS);
    }
    return permitted;
  }

  private boolean decide() {
    if (engine.mode() == SyncMode.LOCAL) {
      return localPermission();
    }
    SharedView v = view;
    if (v.version() == 0 || chain.pending()) {
      return decideAhead(v);
    }
    switch (v.state()) {
      case CLOSED:
      case DISABLED:
      case METRICS_ONLY:
      case FORCED_OPEN:
        return localPermission();
      case OPEN:
        if (v.heldBy(engine.nodeId())) {
          if (holdValid(v) || !sharedWithOthers(v)) {
            return trial(v);
          }
          sync.request(Intent.of(Intent.Kind.LEASE, v.version()));
        } else if (serverNow() >= v.openUntil() && (v.holder().isEmpty() || serverNow() >= v.holderUntil())) {
          sync.request(Intent.of(Intent.Kind.LEASE, v.version()));
        }
        return reject();
      case HALF_OPEN:
        if (v.heldBy(engine.nodeId()) && (holdValid(v) || !sharedWithOthers(v))) {
          return trial(v);
        }
        if (v.holder().isEmpty() || serverNow() >= v.holderUntil()) {
          sync.request(Intent.of(Intent.Kind.LEASE, v.version()));
        }
        return reject();
      default:
        return reject();
    }
  }

  /**
   * While this node's own steps are on their way to Redis, its machine decides, except that it
   * starts no trial episode while the reservation it predicts has lapsed by this node's clock.
   */
  private boolean decideAhead(SharedView v) {
    if (chain.predictedMine()) {
      if (othersEpisode(v)) {
        // The fleet is in another node's trial episode (or reservation), still valid: a step of
        // this node's that would make the next episode its own is refused by Redis, and trial
        // calls run ahead of that answer would be the fleet's K plus this node's.
        return reject();
      }
      if (local.getState() == State.OPEN
          && (tripUnanswered() && othersMayUse(v) || startUnanswered() && sharedWithOthers(v) || leaseLapsed(v))) {
        // Whether the fleet opened with this node's trip, or took its last trial episode, is a
        // round trip away: with other nodes about, no trial episode begins on a guess (another
        // node may be running one), and at most one runs ahead of Redis.
        return reject();
      }
      return trial(v);
    }
    return localPermission();
  }

  /**
   * Whether the lease the last shared state gave this node has lapsed by its clock while others
   * use the breaker: its verdict still on the way may reach Redis after another node took the
   * episode over, so the next episode is not this node's to begin on a guess.
   */
  private boolean leaseLapsed(SharedView v) {
    return v.heldBy(engine.nodeId()) && !holdValid(v) && sharedWithOthers(v);
  }

  /** Whether another node holds the fleet's trial episode or reservation, valid by this node's clock. */
  private boolean othersEpisode(SharedView v) {
    return (v.state() == State.HALF_OPEN || v.state() == State.OPEN) && !v.holder().isEmpty()
        && !v.heldBy(engine.nodeId()) && serverNow() < v.holderUntil();
  }

  /** Whether a trial episode this node began is not yet taken by Redis. */
  private boolean startUnanswered() {
    lock.lock();
    try {
      return chain.has(Intent.Kind.START);
    } finally {
      lock.unlock();
    }
  }

  /** Whether the chain begins with this node's trip, not yet answered. */
  private boolean tripUnanswered() {
    lock.lock();
    try {
      Intent head = chain.head();
      return head != null && head.kind() == Intent.Kind.TRIP;
    } finally {
      lock.unlock();
    }
  }

  /** A call in this node's trial episode (or the OPEN before it): its machine decides. */
  private boolean trial(SharedView v) {
    if (!lock.isHeldByCurrentThread()) {
      // Decided again under the lock the sync thread moves the view, the chain and the local
      // machine with: between this caller's reads and its permit, Redis may have refused this
      // node's trip (another node holds the episode), and a caller past the OPEN deadline moving
      // the machine to HALF_OPEN inside Resilience4j's OpenState while the sync thread aligns it
      // to the same episode would make a second HALF_OPEN with K more trial calls. Only a node
      // holding (or about to hold) an episode gets here: not the CLOSED hot path.
      lock.lock();
      try {
        return decide();
      } finally {
        lock.unlock();
      }
    }
    boolean permitted = localPermission();
    checkLocal(null); // a permit that began an episode is counted in it
    if (permitted && local.getState() == State.HALF_OPEN) {
      long episode = trials.permitted(); // lock held (see above)
      LOG.trace("Circuit breaker '{}' on {}: trial call permitted in episode {} (shared {} v{})", name,
          engine.nodeId(), episode, v.state(), v.version());
    }
    return permitted;
  }

  private boolean reject() {
    rejected.increment();
    return false;
  }

  /**
   * Whether this node's reservation (OPEN) or lease (HALF_OPEN) is still good by its own clock,
   * with a command timeout to spare for the start or renewal to reach Redis. A node that was
   * paused past it starts no trial on it, unless no other node reports to the breaker (nobody
   * else could have taken it over).
   */
  private boolean holdValid(SharedView v) {
    return serverNow() < v.holderUntil() - engine.commandTimeoutMillis();
  }

  /**
   * Asks the local machine. Resilience4j's own OPEN state can race with a concurrent transition
   * (an OPEN state object whose deadline passed tries OPEN to HALF_OPEN after another thread
   * already closed the machine) and throw; alignment makes that race common here, so the
   * loser asks again instead of throwing at the caller.
   */
  private boolean localPermission() {
    try {
      return local.tryAcquirePermission();
    } catch (IllegalStateTransitionException raced) {
      return local.tryAcquirePermission();
    }
  }

  @Override
  public void acquirePermission() {
    if (!tryAcquirePermission()) {
      throw CallNotPermittedException.createCallNotPermittedException(this);
    }
  }

  @Override
  public void releasePermission() {
    local.releasePermission();
  }

  @Override
  public void onError(long duration, TimeUnit durationUnit, Throwable throwable) {
    Throwable cause = throwable instanceof CompletionException || throwable instanceof ExecutionException
        ? throwable.getCause() : throwable;
    if (cause == null) {
      cause = throwable;
    }
    if (config.getIgnoreExceptionPredicate().test(cause)) {
      local.releasePermission();
      if (events.wantsCallEvents()) {
        Throwable ignored = cause;
        events.publish(() -> new CircuitBreakerOnIgnoredErrorEvent(name, elapsed(duration, durationUnit), ignored));
      }
      observed(Outcome.IGNORED, duration, durationUnit);
      return;
    }
    boolean failure = config.getRecordExceptionPredicate().test(cause);
    enter();
    try {
      error(duration, durationUnit, cause, failure);
    } finally {
      exit();
    }
  }

  private void error(long duration, TimeUnit durationUnit, Throwable cause, boolean failure) {
    if (events.wantsCallEvents()) {
      Throwable recorded = cause;
      if (failure) {
        events.publish(() -> new CircuitBreakerOnErrorEvent(name, elapsed(duration, durationUnit), recorded));
      } else {
        events.publish(() -> new CircuitBreakerOnSuccessEvent(name, elapsed(duration, durationUnit)));
      }
    }
    try {
      local.onError(duration, durationUnit, cause);
    } catch (IllegalStateTransitionException raced) {
      lostRace(raced);
    }
    Throwable result = cause;
    count(failure, duration, durationUnit, () -> Either.right(result));
    observed(failure ? Outcome.FAILURE : Outcome.SUCCESS, duration, durationUnit);
  }

  /** What a call observer is told. */
  private enum Outcome { SUCCESS, FAILURE, IGNORED, NOT_PERMITTED }

  /**
   * Tells the call observers (see {@link #addCallObserver}) what Resilience4j's call events would
   * tell: nothing in the states that publish none.
   */
  private void observed(Outcome outcome, long duration, TimeUnit durationUnit) {
    CallObserver[] tell = observers;
    if (tell.length == 0 || !events.statePublishesCalls()) {
      return;
    }
    long nanos = durationUnit.toNanos(duration);
    for (CallObserver observer : tell) {
      try {
        switch (outcome) {
          case SUCCESS -> observer.onSuccess(nanos);
          case FAILURE -> observer.onFailure(nanos);
          case IGNORED -> observer.onIgnoredError(nanos);
          case NOT_PERMITTED -> observer.onNotPermitted();
        }
      } catch (RuntimeException e) {
        LOG.warn("A call observer of circuit breaker '{}' failed", KeySpace.printable(name, 80), e);
      }
    }
  }

  @Override
  public void addCallObserver(CallObserver observer) {
    Objects.requireNonNull(observer, "observer");
    synchronized (this) {
      CallObserver[] next = Arrays.copyOf(observers, observers.length + 1);
      next[next.length - 1] = observer;
      observers = next;
    }
  }

  @Override
  public void onSuccess(long duration, TimeUnit durationUnit) {
    enter();
    try {
      if (events.wantsCallEvents()) {
        events.publish(() -> new CircuitBreakerOnSuccessEvent(name, elapsed(duration, durationUnit)));
      }
      try {
        local.onSuccess(duration, durationUnit);
      } catch (IllegalStateTransitionException raced) {
        lostRace(raced);
      }
      count(false, duration, durationUnit, null);
      observed(Outcome.SUCCESS, duration, durationUnit);
    } finally {
      exit();
    }
  }

  @Override
  public void onResult(long duration, TimeUnit durationUnit, @Nullable Object result) {
    // One method, not one that calls another: each is compiled too big for the JIT to inline
    // into the caller, and the call path would pay a second call.
    enter();
    try {
      boolean failure = result != null && config.getRecordResultPredicate().test(result);
      if (events.wantsCallEvents()) {
        publishResult(duration, durationUnit, result, failure);
      }
      try {
        local.onResult(duration, durationUnit, result);
      } catch (IllegalStateTransitionException raced) {
        lostRace(raced);
      }
      count(failure, duration, durationUnit, result != null && !failure ? () -> Either.left(result) : null);
      observed(failure ? Outcome.FAILURE : Outcome.SUCCESS, duration, durationUnit);
    } finally {
      exit();
    }
  }

  private void publishResult(long duration, TimeUnit durationUnit, @Nullable Object result, boolean failure) {
    if (failure) {
      ResultRecordedAsFailureException recorded = new ResultRecordedAsFailureException(name, result);
      events.publish(() -> new CircuitBreakerOnErrorEvent(name, elapsed(duration, durationUnit), recorded));
    } else {
      events.publish(() -> new CircuitBreakerOnSuccessEvent(name, elapsed(duration, durationUnit)));
    }
  }

  private void enter() {
    if (scheduled) {
      inCalls.incrementAndGet();
    }
    warmIfCold();
  }

  /**
   * A call on a breaker the sync thread visits only once per reconcile interval (it was idle)
   * hands it back to every tick. Checked again after an outcome is recorded: the sync thread
   * checks the log after it sets the flag, so either it sees the outcome or the call sees the flag.
   */
  private void warmIfCold() {
    if (sync.mark().cold()) {
      engine.warm(this);
    }
  }

  private void exit() {
    if (scheduled) {
      inCalls.decrementAndGet();
    }
  }

  /** A local transition lost to a concurrent one (see {@link #localPermission()}): dropped. */
  private void lostRace(IllegalStateTransitionException raced) {
    LOG.debug("Circuit breaker '{}': local transition lost a race", name, raced);
  }

  /**
   * After the local machine took an outcome: observes what it did, adds the outcome to the
   * fleet's window when the fleet's episode takes outcomes, and wakes the sync thread if it
   * could matter now.
   *
   * @param result the result for transitionOnResult, when Resilience4j would consult it
   */
  private void count(boolean failure, long duration, TimeUnit durationUnit,
      @Nullable Supplier<Either<Object, Throwable>> result) {
    boolean slow = durationUnit.toNanos(duration) > slowCallNanos;
    if (effective == State.METRICS_ONLY) {
      // Before the outcome is recorded for the sync thread: a flush answered meanwhile would
      // publish the exceeded rate from the sync thread, not from the call that exceeded it.
      thresholds.metricsOnly(metrics);
    }
    long unflushed = -1;
    if (!failure && !slow && successesRedundant) {
      // The fleet's window is full of successes: one more changes nothing in it (see
      // BreakerSync#updateRedundancy), and is not counted; that some were made, the next flush tells.
      if (!successSkipped) {
        successSkipped = true;
      }
    } else {
      State episode = sharedEpisode();
      if (episode == State.CLOSED || episode == State.METRICS_ONLY) {
        unflushed = sync.outcomes().record(failure, slow, timeBased ? clockSecond() : 0);
      } else {
        lastDemandNanos = System.nanoTime(); // no flush will tell that the breaker is used (DISABLED)
      }
      if ((failure || slow) && successesRedundant) {
        successesRedundant = false; // after the record: the sync thread checks the log after setting it
      }
    }
    warmIfCold();
    checkLocal(result); // any outcome may move the local machine: a success can complete minimumNumberOfCalls
    if (trials.awaitingOutcome()) {
      lock.lock();
      try {
        trials.outcome();
      } finally {
        lock.unlock();
      }
    }
    if (unflushed >= eagerThreshold) {
      engine.wakeEager(this);
    }
  }

  /**
   * The shared episode this node's outcomes belong to: the one its own steps predict while they
   * are on their way, else the fleet's. Outcomes only go to CLOSED and METRICS_ONLY windows; a
   * HALF_OPEN trial window is the holder's own.
   */
  private State sharedEpisode() {
    return chain.predicted();
  }

  private static Duration elapsed(long duration, TimeUnit unit) {
    return Duration.ofNanos(unit.toNanos(duration));
  }

  // ---------------------------------------------------------------- the local machine

  /** Reacts to a transition the local machine made by itself; cheap when there was none. */
  void checkLocal(@Nullable Supplier<Either<Object, Throwable>> result) {
    if (local.getState() != observedLocal) {
      observeLocal(result);
    }
  }

  /**
   * The local machine moved on its own: tripped on this node's calls, reached the verdict of its
   * trial calls, began a trial episode, or made a scheduled transition. As the node deciding, it
   * tells Redis; otherwise the change is the local machine's alone and the effective state follows
   * the fleet.
   */
  private void observeLocal(@Nullable Supplier<Either<Object, Throwable>> result) {
    lock.lock();
    try {
      State now = local.getState();
      State before = observedLocal;
      if (now == before) {
        return;
      }
      observedLocal = now;
      SharedView v = view;
      LOG.trace("Circuit breaker '{}' on {}: local machine went {} -> {} (shared {} v{}, steps {})", name,
          engine.nodeId(), before, now, v.state(), v.version(), chain);
      if (before == State.HALF_OPEN) {
        trials.end();
      }
      boolean localMode = engine.mode() == SyncMode.LOCAL;
      boolean ownEpisode = !localMode && chain.predictedMine();
      boolean closedEpisode = localMode || (!ownEpisode && chain.predicted() == State.CLOSED);
      if (!ownEpisode && !closedEpisode) {
        return; // another node's episode, or a state the fleet fixed: the fleet decides
      }
      if (before == State.CLOSED && now == State.OPEN) {
        if (thresholds.localOpened(local.getMetrics())) {
          if (closedEpisode && !localMode) {
            // The flush carrying this call may open the fleet too: one opening, this node's.
            intend(Intent.trip(sync.outcomes().recordedCalls()));
            refresh();
            return;
          }
        } else if (result != null && !localMode) {
          // transitionOnResult: Resilience4j's decision on this result, which the fleet follows.
          long wait = resultWait(result.get());
          if (wait >= 0) {
            intend(Intent.resultOpen(wait, engine.nextCommandSequence()));
            refresh();
            return;
          }
        }
      }
      // Resilience4j's one double move: the last trial call closes the machine and its result's
      // transitionOnResult opens it again at once (the fresh CLOSED window is empty).
      boolean throughClosed = before == State.HALF_OPEN && now == State.OPEN && result != null
          && local.getMetrics().getNumberOfBufferedCalls() == 0;
      if (throughClosed) {
        long wait = resultWait(result.get());
        if (ownEpisode) {
          intend(Intent.verdict(State.CLOSED));
        }
        if (!localMode && wait >= 0) {
          intend(Intent.resultOpen(wait, engine.nextCommandSequence()));
        }
        refreshThrough(State.CLOSED);
        return;
      }
      if (ownEpisode && before == State.OPEN && now == State.HALF_OPEN) {
        Intent start = Intent.start();
        trials.begin(start);
        intend(start);
      } else if (ownEpisode && before == State.HALF_OPEN && (now == State.CLOSED || now == State.OPEN)) {
        intend(Intent.verdict(now));
      } else if (now == State.HALF_OPEN) {
        trials.beginLocal(); // this node tripped alone
      }
      refresh();
    } finally {
      lock.unlock();
    }
  }

  /** The wait in OPEN transitionOnResult asks for {@code result}, or -1 for no transition. */
  private long resultWait(Either<Object, Throwable> result) {
    TransitionCheckResult check = config.getTransitionOnResult().apply(result);
    if (!check.isTransitionToOpen()) {
      return -1;
    }
    if (check.getWaitDuration() != null) {
      return check.getWaitDuration().toMillis();
    }
    if (check.getWaitUntil() != null) {
      return Math.max(0, Duration.between(clock.instant(), check.getWaitUntil()).toMillis());
    }
    return -1;
  }

  /**
   * Adds a step of this node's own machine to the chain sent to Redis. Lock held. A node that
   * moves faster than Redis takes its steps (manual moves in a loop while Redis refuses them,
   * before it counts as down) keeps at most {@value StepChain#MAX_STEPS} waiting: the moves past them take
   * effect on this node only, as in LOCAL mode, are counted, and the node follows the fleet once
   * its chain is through.
   */
  private void intend(Intent intent) {
    if (engine.mode() == SyncMode.LOCAL) {
      return;
    }
    if (chain.full()) {
      engine.meters().stepDropped();
      return;
    }
    chain.add(intent, view, sync.outcomes());
    engine.wakeEager(this);
  }

  // ---------------------------------------------------------------- applying shared state

  /**
   * Takes a state Redis reported (reply, read) or announced (message). Lock held.
   *
   * <p>Fencing ({@link HintTrust#fence}): a view older than the one held is ignored, except when
   * the held one came from an unverified message and Redis itself says otherwise (a forged or
   * stale message loses to a read sent after the message arrived). A verified view older than a
   * verified one means Redis lost data: the breaker is re-seeded with what this node knew.
   *
   * @param requestedNanos when the request that produced {@code next} was sent (receipt time for
   *     a message): a reply to a request older than a message cannot contradict it
   * @param own whether {@code next} answers a step of this node's own chain: it confirms what the
   *     node already did, so nothing is re-aligned or forgotten
   */
  void apply(SharedView next, long requestedNanos, boolean own) {
    apply(next, requestedNanos, own, null, false);
  }

  /**
   * As {@link #apply(SharedView, long, boolean)}, for the reply to {@code flush}, or to this
   * node's lease claim ({@code leaseGranted}: Redis began a new episode for this node).
   */
  private void apply(SharedView next, long requestedNanos, boolean own, OutcomeLog.@Nullable Flush flush,
      boolean leaseGranted) {
    if (next.isMissing()) {
      if (next.status() == SharedView.Status.CORRUPT && !corruptLogged) {
        corruptLogged = true;
        LOG.warn("Shared state of circuit breaker '{}' in Redis was invalid ({}); re-seeding it",
            KeySpace.printable(name, 80), next.reason());
        engine.meters().repaired();
      }
      sync.needsSeed = true;
      engine.wake(this);
      return;
    }
    if (next.flags().contains(Flag.REPAIRED)) {
      engine.meters().repaired();
      if (!corruptLogged) {
        LOG.warn("The shared window of circuit breaker '{}' in Redis contradicted its totals (tampered with?);"
            + " Redis emptied it", KeySpace.printable(name, 80));
      }
      corruptLogged = true; // one line per incident: until a reply finds nothing to repair
    } else {
      corruptLogged = false;
    }
    if (next.verified() && LOG.isTraceEnabled()) {
      LOG.trace("Circuit breaker '{}' on {}: {} v{} holder={} {} calls={} failed={} slow={} own={} local={} chain={}",
          name, engine.nodeId(), next.state(), next.version(), next.holder(), next.flags(), next.calls(),
          next.failures(), next.slowCalls(), own, local.getState(), chain);
    }
    if (chain.pending() && !next.verified()) {
      return; // this node's own steps are on their way: their replies, not messages, confirm them
    }
    checkConfig(next);
    SharedView current = view;
    if (next.verified()) {
      judgeUnheeded(next, requestedNanos);
    }
    HintTrust.Fence fence = trust.fence(current, next, requestedNanos);
    switch (fence) {
      case UNHEEDED -> { // it only makes this node ask
        trust.unheeded(next.version(), requestedNanos);
        sync.verifyDue = true;
        engine.wake(this);
        return;
      }
      case STALE -> {
        engine.meters().rejected("stale");
        return;
      }
      case BEHIND -> {
        sync.reseedBehind = true;
        engine.wake(this);
        return;
      }
      case ASK_AGAIN -> { // so that the message's claim lasts no longer than one more read
        sync.verifyDue = true;
        engine.wake(this);
        return;
      }
      case SAME_VERSION -> {
        if (next.holder().equals(current.holder()) && next.holderUntil() > current.holderUntil()) {
          view = withHolderUntil(current, next.holderUntil());
        }
        return;
      }
      case REFUTES -> refuted(current, next);
      case NEWER, SAME -> { }
    }
    boolean newer = fence == HintTrust.Fence.NEWER || fence == HintTrust.Fence.REFUTES;
    if (next.verified()) {
      sync.lastViewNanos = System.nanoTime();
    } else {
      trust.acted(requestedNanos);
      if (newer) {
        sync.verifyDue = true;
        engine.wake(this);
      }
    }
    if (next.version() != current.version()) {
      engine.history().viewAccepted(engine.nodeId(), name, next.version(), next.state());
    }
    State before = effective;
    // A HALF_OPEN episode held by this node that it did not just get: one it began before it
    // decided alone, whose trial calls are (partly) spent. It begins a new one instead.
    boolean staleEpisode = next.state() == State.HALF_OPEN && next.heldBy(engine.nodeId())
        && !chain.pending() && !leaseGranted && !own && (observedLocal != State.HALF_OPEN || realignOnNextView);
    // A message giving this node a role changes nothing until Redis confirms it.
    boolean undecided = staleEpisode && !next.verified();
    view = next.verified() ? next : withWindowOf(next, current);
    eagerThreshold = FleetWindow.eagerThreshold(config, view);
    if (successesRedundant && !sync.fullOfSuccesses(view)) {
      successesRedundant = false;
    }
    if (chain.pending()) {
      Intent head = chain.head();
      if (head != null && head.kind() == Intent.Kind.TRIP && flush != null && flush.contains(head.sequence())) {
        // The flush carrying the call this node tripped on is answered: the fleet opened with it
        // (one opening, this node's), or not (this node's episode stays its own).
        chainReplied(head, next, requestedNanos, next.state() == State.OPEN && next.heldBy(engine.nodeId()));
        return;
      }
      refresh(); // this node's steps are on their way: their replies confirm or refuse them
      return;
    }
    chain.predictFrom(view);
    // A re-seed (Redis lost the breaker and a node wrote back what it knew) continues the
    // episode it was seeded from: the outcomes this node counted in it still count.
    boolean reseeded = "seed".equals(next.reason()) && next.state() == current.state();
    boolean freshEpisode = newer && !own && current.version() > 0 && !reseeded;
    if (freshEpisode && (next.state() == State.CLOSED || next.state() == State.METRICS_ONLY)) {
      sync.outcomes().discardUntilNow();
    }
    if (staleEpisode && next.verified()) {
      // What was granted in that episode is unknown here: a new episode of this node's begins,
      // with fresh trial calls.
      realignOnNextView = false;
      Intent start = Intent.start();
      localTo(State.HALF_OPEN, local::transitionToHalfOpenState);
      trials.begin(start);
      intend(start);
    } else if (undecided) {
      // Nothing moves until Redis says whether the episode is this node's.
      refresh();
      return;
    } else if (newer || realignOnNextView || !consistent(next)) {
      realignOnNextView = false;
      align(next, freshEpisode);
    }
    if (next.flags().contains(Flag.OPENED) && before == State.CLOSED) {
      thresholds.fleetOpened(next); // Resilience4j: the rate exceeded, then the transition
    }
    refresh();
    if (freshEpisode && "reset".equals(next.reason())) {
      events.publish(() -> new CircuitBreakerOnResetEvent(name));
    }
    if (next.state() == State.METRICS_ONLY) {
      thresholds.metricsOnly(next); // the fleet's window crossed a threshold at this flush
    }
  }

  /**
   * A step of this node's chain was answered: taken (the reply confirms the state the node
   * already is in), or refused (the fleet moved on: the step is dropped; once the chain is done,
   * the node follows Redis wherever its machine disagrees).
   */
  void chainReplied(Intent step, SharedView reply, long requestedNanos, boolean taken) {
    lock.lock();
    try {
      chain.answered(step, reply, taken);
      if (!taken) {
        // The fleet moved on: this step no longer applies. The later ones are checked against
        // the state Redis reported as they are sent; the node follows Redis where they fail too.
        LOG.debug("Circuit breaker '{}': Redis refused {} ({}) in state {}", name, step.kind(),
            reply.status(), reply.state());
      }
      if (step.kind() == Intent.Kind.START || step.target() == State.HALF_OPEN || !taken) {
        trials.confirm(step, reply, taken, chain.steps());
      }
      if (!taken && step.kind() != Intent.Kind.MANUAL && step.kind() != Intent.Kind.RESULT_OPEN) {
        // The trial episodes this node ran ahead on are not the fleet's: the starts and verdicts
        // after this step are void (kept, the node would go on predicting episodes of its own).
        chain.dropEpisodeSteps(start -> trials.confirm(start, reply, false, chain.steps()));
      }
      apply(reply, requestedNanos, taken);
      chain.predictFrom(view);
      if (!chain.pending() && !consistent(view)) {
        align(view, false);
        refresh();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether steps of this node wait for Redis (without the lock: a hint for the pipeline's order). */
  boolean hasSteps() {
    return chain.pending();
  }

  /** The chain's next step, or null. */
  @Nullable Intent chainHead() {
    lock.lock();
    try {
      return chain.head();
    } finally {
      lock.unlock();
    }
  }

  /** The version of the episode {@code step} of the chain led to (see {@link OutcomeLog.Epochs}). */
  long epochAfter(Object step) {
    return chain.epochAfter(step);
  }

  /**
   * The version of the shared state the chain's next step builds on: what Redis reported when
   * the step before it was answered (when the chain began: the state Redis was in then). A start
   * is already done when Redis is one past it with this node's lease, and a verdict is only for
   * the episode that version is; anything else means an earlier step did not happen.
   */
  long chainBase(SharedView now) {
    lock.lock();
    try {
      return chain.base(now);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Redis, asked after a message came, does not hold what the message claimed ({@code claimed},
   * in force here until now): forged, or from a Redis that lost data since. Messages of this
   * breaker only make this node read Redis for a while; one WARN per incident. Lock held.
   */
  private void refuted(SharedView claimed, SharedView redis) {
    engine.meters().rejected("forged");
    distrust();
    if (LOG.isDebugEnabled()) {
      LOG.debug("A message claimed circuit breaker '{}' is {} v{}; Redis says {} v{}", KeySpace.printable(name, 80),
          claimed.state(), claimed.version(), redis.state(), redis.version());
    }
  }

  /**
   * The read {@code next}, asked at {@code requestedNanos}, judges the message this node did not
   * act on: Redis behind what it claimed means it was forged (the scripts publish only what they
   * wrote). Lock held.
   */
  private void judgeUnheeded(SharedView next, long requestedNanos) {
    switch (trust.judge(next.version(), requestedNanos)) {
      case ASK_AGAIN -> {
        sync.verifyDue = true;
        engine.wake(this);
      }
      case FORGED -> {
        engine.meters().rejected("forged");
        distrust();
      }
      case NONE -> { }
    }
  }

  private void distrust() {
    if (trust.refuted(System.nanoTime())) {
      LOG.warn("A message claimed a state of circuit breaker '{}' that Redis does not hold (forged, or Redis lost"
          + " data); its messages now only make this node read Redis, until {} s pass without another such message",
          KeySpace.printable(name, 80), HintTrust.DISTRUST_SECONDS);
    }
  }

  private static SharedView withHolderUntil(SharedView v, long holderUntil) {
    return new SharedView(v.status(), v.state(), v.version(), v.previous(), v.since(), v.openUntil(),
        v.attempts(), v.holder(), holderUntil, v.halfOpenUntil(), v.serverNow(), v.calls(), v.failures(),
        v.slowCalls(), v.slowFailures(), v.activeNodes(), v.failingNodes(), v.fingerprint(), v.flags(),
        v.reason(), v.by(), v.verified());
  }

  /** A message carries no window: the one last reported stays until a reply replaces it. */
  private static SharedView withWindowOf(SharedView hint, SharedView last) {
    return new SharedView(hint.status(), hint.state(), hint.version(), hint.previous(), hint.since(),
        hint.openUntil(), last.attempts(), hint.holder(), hint.holderUntil(), hint.halfOpenUntil(),
        last.serverNow(), last.calls(), last.failures(), last.slowCalls(), last.slowFailures(),
        last.activeNodes(), last.failingNodes(), last.fingerprint(), java.util.Set.of(), hint.reason(),
        last.by(), false);
  }

  /**
   * Whether the local machine is where the shared state says it should be, as far as this node
   * has observed it: a move a caller made and has not observed yet (a verdict, a trip) is that
   * caller's to report, not a disagreement to overrule. Lock held.
   */
  private boolean consistent(SharedView v) {
    State l = observedLocal;
    return switch (v.state()) {
      case CLOSED -> !localManual && (l == State.CLOSED || l == State.OPEN || l == State.HALF_OPEN);
      case OPEN -> v.heldBy(engine.nodeId()) ? l == State.OPEN : !localManual;
      case HALF_OPEN -> !v.heldBy(engine.nodeId()) || l == State.HALF_OPEN;
      default -> l == v.state();
    };
  }

  private void checkConfig(SharedView next) {
    if (!mismatchLogged && !next.fingerprint().isEmpty()
        && !next.fingerprint().equals(shared.fingerprint())) {
      mismatchLogged = true;
      LOG.warn("Circuit breaker '{}': the config shared in Redis (fingerprint {}) differs from this"
              + " node's ({}). The shared one decides the window (type, size, minimum calls), the"
              + " thresholds, the waits in OPEN, maxWaitDurationInHalfOpenState and the quorum; this"
              + " node still applies its own slowCallDurationThreshold, record and ignore rules, and"
              + " permittedNumberOfCallsInHalfOpenState when it runs the trial calls. reset()"
              + " replaces the shared config with this node's.",
          KeySpace.printable(name, 80), next.fingerprint(), shared.fingerprint());
    }
  }

  /**
   * Moves the local machine to the shared state. Lock held.
   *
   * @param freshEpisode whether {@code v} is a new episode this node did not make: a CLOSED or
   *     METRICS_ONLY one starts with an empty window
   */
  private void align(SharedView v, boolean freshEpisode) {
    boolean mine = v.heldBy(engine.nodeId());
    State l = observedLocal;
    {
      switch (v.state()) {
        case CLOSED -> {
          if (freshEpisode || localManual || (l != State.CLOSED && l != State.OPEN && l != State.HALF_OPEN)) {
            localTo(State.CLOSED, local::transitionToClosedState);
          }
        }
        case OPEN -> {
          // The node that opened it keeps its own machine's deadline (Resilience4j's, on its clock).
          if (!(mine && l == State.OPEN)) {
            Instant until = clock.instant().plusMillis(v.openUntil() - serverNow());
            localTo(State.OPEN, () -> local.transitionToOpenStateUntil(until));
          }
        }
        case HALF_OPEN -> {
          // A new episode of this node gets a fresh HALF_OPEN: exactly the permitted trial calls.
          if (l != State.HALF_OPEN || (mine && freshEpisode)) {
            localTo(State.HALF_OPEN, local::transitionToHalfOpenState);
            if (mine) {
              trials.beginGranted(v.version());
            }
          }
        }
        case FORCED_OPEN -> {
          if (l != State.FORCED_OPEN) {
            localTo(State.FORCED_OPEN, local::transitionToForcedOpenState);
          }
        }
        case DISABLED -> {
          if (l != State.DISABLED) {
            localTo(State.DISABLED, local::transitionToDisabledState);
          }
        }
        case METRICS_ONLY -> {
          if (l != State.METRICS_ONLY || freshEpisode) {
            localTo(State.METRICS_ONLY, local::transitionToMetricsOnlyState);
            thresholds.newMetricsOnlyEpisode();
          }
        }
        default -> { }
      }
    }
    localManual = false;
  }

  /**
   * Moves the local machine to {@code target}, through legal intermediate states when needed
   * (CLOSED to HALF_OPEN goes through OPEN). Caller threads may move the local machine at the
   * same moment (a recorded failure trips it): a lost race is retried from the new state. The
   * move is this node's own, so it counts as observed; a move a caller made and has not observed
   * yet stays that caller's to observe (and publish, on its thread). Lock held.
   */
  private void localTo(State target, Runnable transition) {
    for (int attempt = 0; attempt < 3; attempt++) {
      State current = local.getState();
      try {
        for (StateTransition step : Transitions.path(current, target, null)) {
          if (step.getToState() != target) {
            localStep(step.getToState());
          }
        }
        transition.run();
        observedLocal = target;
        LOG.trace("Circuit breaker '{}' on {}: local machine moved to {}", name, engine.nodeId(), target);
        return;
      } catch (IllegalStateTransitionException raced) {
        LOG.debug("Local state machine of '{}' moved during alignment; retrying", name, raced);
      }
    }
  }

  private void localStep(State to) {
    switch (to) {
      case CLOSED -> local.transitionToClosedState();
      case OPEN -> local.transitionToOpenState();
      case HALF_OPEN -> local.transitionToHalfOpenState();
      case DISABLED -> local.transitionToDisabledState();
      case METRICS_ONLY -> local.transitionToMetricsOnlyState();
      case FORCED_OPEN -> local.transitionToForcedOpenState();
      default -> throw new IllegalArgumentException("unknown state " + to);
    }
  }

  /** As {@link #refresh()}, through {@code via} first, as the local machine went. Lock held. */
  private void refreshThrough(State via) {
    State next = computeEffective();
    State before = effective;
    if (before != via && next != via && Transitions.isLegal(before, via) && Transitions.isLegal(via, next)) {
      effective = via;
      rejected = new LongAdder();
      StateTransition first = StateTransition.transitionBetween(name, before, via);
      events.publish(() -> new CircuitBreakerOnStateTransitionEvent(name, first));
    }
    refresh();
  }

  /** Publishes the change of this node's effective state, if any. Lock held. */
  private void refresh() {
    State next = computeEffective();
    State before = effective;
    if (next == before) {
      return;
    }
    effective = next;
    rejected = new LongAdder();
    if (next == State.METRICS_ONLY) {
      thresholds.newMetricsOnlyEpisode();
    }
    List<StateTransition> path = Transitions.path(before, next, view.previous());
    for (StateTransition step : path) {
      events.publish(() -> new CircuitBreakerOnStateTransitionEvent(name, step));
    }
  }

  private State computeEffective() {
    State l = observedLocal;
    SharedView v = view;
    if (engine.mode() == SyncMode.LOCAL || v.version() == 0 || chain.pending()) {
      return l;
    }
    return switch (v.state()) {
      case CLOSED -> l == State.OPEN || l == State.HALF_OPEN ? l : State.CLOSED;
      case OPEN, HALF_OPEN -> v.heldBy(engine.nodeId()) ? l : v.state();
      default -> v.state();
    };
  }

  /** Redis became unreachable (or the registry closed): the local machine decides from now on. */
  void enterLocalMode() {
    lock.lock();
    try {
      SharedView v = view;
      chain.clear(v); // never reached Redis: nor did their episodes
      trials.goLocal(); // from now on its trial calls are its own
      sync.clearRequests();
      if (v.state() == State.HALF_OPEN && !v.heldBy(engine.nodeId()) && local.getState() != State.HALF_OPEN) {
        // Cut off from the fleet's trial episode, this node runs trial calls for itself.
        localTo(State.HALF_OPEN, local::transitionToHalfOpenState);
      }
      eagerThreshold = Long.MAX_VALUE;
      refresh();
    } finally {
      lock.unlock();
    }
  }

  /** Redis answers again: follow the shared state from the next view on. */
  void leaveLocalMode() {
    lock.lock();
    try {
      realignOnNextView = true;
      sync.verifyDue = true;
      refresh();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- the sync thread's view

  /**
   * Sync thread, every tick: observes scheduled transitions of the local machine, and keeps the
   * fleet moving where this node can: an idle reservation holder gives its reservation up at the
   * deadline; a maximum wait in HALF_OPEN or an automatic transition nobody else makes.
   */
  void tick(long nowNanos) {
    if (scheduled && inCalls.get() == 0) {
      checkLocal(null); // a move of Resilience4j's scheduler; callers observe their own
    }
    SharedView v = view;
    if (engine.mode() == SyncMode.LOCAL || v.version() == 0 || chain.pending()) {
      return;
    }
    long serverNow = serverNow();
    if (v.state() == State.OPEN && serverNow >= v.openUntil()) {
      if (v.heldBy(engine.nodeId())) {
        if (local.getState() == State.OPEN && nowNanos - lastDemandNanos > IDLE_HOLDER_NANOS
            && !config.isAutomaticTransitionFromOpenToHalfOpenEnabled()) {
          sync.request(Intent.of(Intent.Kind.RELEASE, v.version()));
        }
      } else if (config.isAutomaticTransitionFromOpenToHalfOpenEnabled()
          && (v.holder().isEmpty() || serverNow >= v.holderUntil())) {
        sync.request(Intent.of(Intent.Kind.ADVANCE, v.version()));
      }
    } else if (v.state() == State.HALF_OPEN && v.halfOpenUntil() > 0 && serverNow >= v.halfOpenUntil()
        && !v.heldBy(engine.nodeId())) {
      sync.request(Intent.of(Intent.Kind.EXPIRE, v.version()));
    }
  }

  /**
   * Whether no tick is needed to keep a deadline of this breaker's: no scheduled transition
   * (automatic OPEN to HALF_OPEN, a maximum wait in HALF_OPEN), no step of its own on its way,
   * no trial episode or reservation of this node's (an idle holder gives it up at the deadline, see
   * {@link #tick}), and Redis answers (LOCAL mode and rejoining visit every breaker). Sync thread.
   */
  boolean keepsNoDeadline() {
    if (scheduled || chain.pending() || engine.mode() != SyncMode.SHARED) {
      return false;
    }
    SharedView v = view;
    return v.version() > 0 && v.state() != State.HALF_OPEN && !(v.state() == State.OPEN && v.heldBy(engine.nodeId()));
  }

  /**
   * The seed of this breaker from what this node knows now: the shared state it holds (before
   * Redis first answered, the config's initial state).
   */
  LuaScripts.ArgList seed(LuaScripts.ArgList args) {
    SharedView v = view;
    long remaining = 0;
    if (v.state() == State.OPEN) {
      remaining = v.version() == 0
          ? config.getWaitIntervalFunctionInOpenState().apply(Math.max(1, v.attempts()))
          : Math.max(0, v.openUntil() - serverNow());
    }
    // The state before this node's own steps: they follow the seed, in order. Another node's
    // reservation or lease is written back only while it holds by this node's estimate: a lapsed
    // one is anyone's to take, as it was before Redis lost it.
    String holder = v.heldBy(engine.nodeId()) || v.holderUntil() > serverNow() ? v.holder() : "";
    return shared.seed(args, v.state(), v.version(), remaining, v.attempts(), holder);
  }

  /** Whether this node holds a trial lease worth renewing now: trials running or recent. */
  boolean holdsActiveLease(long leaseNanos) {
    SharedView v = view;
    if (chain.pending() || v.state() != State.HALF_OPEN || !v.heldBy(engine.nodeId())
        || local.getState() != State.HALF_OPEN) {
      return false;
    }
    lock.lock();
    try {
      return trials.active(leaseNanos);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The time of this breaker's clock when it is not a system clock, else null. A config with a
   * clock of its own (a test's) runs the shared deadlines on that clock too, so that moving it
   * moves them, as it moves a Resilience4j breaker's.
   */
  @Nullable Long testClockMillis() {
    return systemClock ? null : clock.millis();
  }

  /** Whether this breaker's clock is not a system clock (a test's). */
  boolean isTestClock() {
    return !systemClock;
  }

  /** The time of this breaker's clock. */
  long clockMillis() {
    return clock.millis();
  }

  /** The time shared deadlines are measured in: Redis time as this node estimates it (or the test clock). */
  long serverNow() {
    return systemClock ? engine.serverNow() : clock.millis();
  }

  /**
   * As {@link #sharedWithOthers}, also when the count cannot tell: the reply that created the
   * breaker counted only its creator, and nodes that joined since are unknown to it until its
   * next reply. That matters only when the wait in OPEN ends before a round trip does, which on
   * a real clock takes a wait shorter than the round trip; a test's clock jumps, and a lone node
   * under it decides exactly as Resilience4j does.
   */
  private boolean othersMayUse(SharedView v) {
    return sharedWithOthers(v) || systemClock && v.flags().contains(SharedView.Flag.CREATED);
  }

  /**
   * Whether other nodes report to Redis's window, or another node holds the breaker's trial
   * episode or reservation (after Redis restarted empty, the window names nobody yet): then the
   * fleet's window is shown, and a reservation is used only while still valid by this node's clock.
   */
  private boolean sharedWithOthers(SharedView v) {
    return v.activeNodes() > 1 || (v.activeNodes() == 1 && !sync.flushedRecently())
        || !v.holder().isEmpty() && !v.holder().equals(engine.nodeId());
  }

  BreakerSync sync() {
    return sync;
  }

  /**
   * Whether fast successes went uncounted since the last flush (see {@link #count}) in the window
   * they were skipped in, for a flush to tell Redis that this node still uses the breaker. They
   * are not merged into the fleet's window, not even as one success standing for them: they came
   * before whatever Redis merged since, and merged now they would land after it (at an outage,
   * after the first failures of every node, which they pushed out of the window: FleetIT).
   */
  boolean hasSkippedSuccesses() {
    // After a reset or a transition they are over: that episode's window is gone.
    return successSkipped && view.version() == redundantVersion && sharedEpisode() == State.CLOSED;
  }

  /** Sync thread: a flush goes, and tells that the skipped successes were made. */
  void skippedSuccessesTold() {
    successSkipped = false; // a success skipped meanwhile only waits for the next flush's keep-alive
  }

  /** Sync thread: fast successes this node made were dropped as redundant; a flush tells that they were made. */
  void successesSkipped() {
    successSkipped = true;
  }

  /** Sync thread: whether fast successes are redundant now, in the episode of version {@code version}. */
  void successesRedundant(boolean redundant, long version) {
    if (version != redundantVersion) {
      successSkipped = false; // skipped in an episode that is over (a reset, a transition)
      redundantVersion = version;
    }
    successesRedundant = redundant;
  }

  /** Whether the config Redis holds for this breaker is this node's (same fingerprint). */
  boolean sharesConfig(SharedView v) {
    return v.fingerprint().equals(shared.fingerprint());
  }

  /** Whether this node's outcomes go to the fleet's CLOSED episode, with no step of its own on its way. */
  boolean inSharedClosedEpisode() {
    return chain.predicted() == State.CLOSED && effective == State.CLOSED && !chain.pending();
  }

  /**
   * Whether Redis knows everything this node did: the breaker is seeded, no step of its own is
   * on its way, no outcome is unacknowledged and no request waits. For tests: it also asks for
   * the successes the engine holds while all is well to be sent at the next tick.
   */
  boolean isSettled() {
    sync.sendHeld = true;
    lock.lock();
    try {
      return view.version() > 0 && !chain.pending() && sync.isIdle();
    } finally {
      lock.unlock();
    }
  }

  SyncEngine engine() {
    return engine;
  }

  /** The current second of this breaker's clock, under which its outcomes are filed. */
  long clockSecond() {
    return Math.floorDiv(clock.millis(), 1000);
  }

  /** Sync thread: a reply to a flush ({@code flush} null for a seed alone), read or request of this breaker. */

  /**
   * Sync thread: the reply to a flush. The window it reports is taken before the flush's outcomes
   * stop counting as this node's unacknowledged ones ({@code acknowledge}), under the lock: the
   * fleet window never loses them in between, and {@link #isSettled} never sees them acknowledged
   * before the window holds them.
   */
  void flushReplied(SharedView reply, long requestedNanos, OutcomeLog.@Nullable Flush flush, Runnable acknowledge) {
    lock.lock();
    try {
      apply(reply, requestedNanos, false, flush, false);
      acknowledge.run();
    } finally {
      lock.unlock();
    }
  }

  /** Sync thread: a reply to a read or request of this breaker. */
  void applyReply(SharedView reply, long requestedNanos) {
    lock.lock();
    try {
      apply(reply, requestedNanos, false, null, false);
    } finally {
      lock.unlock();
    }
  }

  /** Sync thread: the reply to this node's lease claim. */
  void leaseReplied(SharedView reply, long requestedNanos) {
    lock.lock();
    try {
      apply(reply, requestedNanos, false, null, reply.status() == SharedView.Status.GRANTED);
    } finally {
      lock.unlock();
    }
  }

  /** Pub/sub thread: a message about this breaker. */
  void applyHint(SharedView hint, long receivedNanos) {
    lock.lock();
    try {
      apply(hint, receivedNanos, false);
    } finally {
      lock.unlock();
    }
  }

  String encodedName() {
    return encodedName;
  }

  /**
   * When a call was last refused here, or recorded outside a window (DISABLED); the calls a
   * window counts show in the outcome log and its flushes.
   */
  long lastDemandNanos() {
    return lastDemandNanos;
  }

  SharedConfig sharedConfig() {
    return shared;
  }

  ReentrantLock lock() {
    return lock;
  }

  SharedView view() {
    return view;
  }

  // ---------------------------------------------------------------- manual operations

  @Override
  public void reset() {
    lock.lock();
    try {
      local.reset();
      observedLocal = State.CLOSED;
      localManual = engine.mode() == SyncMode.LOCAL;
      sync.outcomes().discardUntilNow();
      intend(Intent.manual(State.CLOSED, "RESET", 0, engine.nextCommandSequence()));
      refresh();
    } finally {
      lock.unlock();
    }
    events.publish(() -> new CircuitBreakerOnResetEvent(name));
  }

  @Override
  public void transitionToClosedState() {
    manual(State.CLOSED, "CLOSED", 0, local::transitionToClosedState);
  }

  @Override
  public void transitionToOpenState() {
    manual(State.OPEN, "OPEN", 0, local::transitionToOpenState);
  }

  @Override
  public void transitionToOpenStateFor(Duration waitDuration) {
    manual(State.OPEN, "OPEN_FOR", waitDuration.toMillis(), () -> local.transitionToOpenStateFor(waitDuration));
  }

  @Override
  public void transitionToOpenStateUntil(Instant waitUntil) {
    long waitMillis = Math.max(0, Duration.between(clock.instant(), waitUntil).toMillis());
    manual(State.OPEN, "OPEN_FOR", waitMillis, () -> local.transitionToOpenStateUntil(waitUntil));
  }

  @Override
  public void transitionToHalfOpenState() {
    manual(State.HALF_OPEN, "HALF_OPEN", 0, local::transitionToHalfOpenState);
  }

  @Override
  public void transitionToDisabledState() {
    manual(State.DISABLED, "DISABLED", 0, local::transitionToDisabledState);
  }

  @Override
  public void transitionToMetricsOnlyState() {
    manual(State.METRICS_ONLY, "METRICS_ONLY", 0, local::transitionToMetricsOnlyState);
  }

  @Override
  public void transitionToForcedOpenState() {
    manual(State.FORCED_OPEN, "FORCED_OPEN", 0, local::transitionToForcedOpenState);
  }

  /**
   * A manual transition, with Resilience4j's rules against this node's state: it takes effect on
   * this node at once, exactly as on a Resilience4j breaker, and is sent to Redis for the fleet
   * (in order with this node's other steps). A node that tripped alone while the fleet is CLOSED
   * moves alone where the fleet cannot follow (OPEN to HALF_OPEN). In LOCAL mode it applies to
   * this node only, until Redis answers and the fleet's state applies again.
   *
   * @throws IllegalStateTransitionException when Resilience4j forbids the move from this
   *     node's state
   */
  private void manual(State target, String op, long waitMillis, Runnable localTransition) {
    lock.lock();
    try {
      StateTransition.transitionBetween(name, effective, target); // throws like Resilience4j
      localTo(target, localTransition);
      if (target == State.CLOSED || target == State.METRICS_ONLY || target == State.DISABLED) {
        sync.outcomes().discardUntilNow();
      }
      if (target == State.METRICS_ONLY) {
        thresholds.newMetricsOnlyEpisode();
      }
      boolean fleetFollows = engine.mode() == SyncMode.SHARED
          && (chain.predicted() == target || Transitions.isLegal(chain.predicted(), target));
      Intent step = fleetFollows ? Intent.manual(target, op, waitMillis, engine.nextCommandSequence()) : null;
      if (target == State.HALF_OPEN) {
        if (step != null) {
          trials.begin(step);
        } else {
          trials.beginLocal();
        }
      }
      if (engine.mode() == SyncMode.LOCAL) {
        localManual = true;
      } else if (step != null) {
        intend(step);
      }
      refresh();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- queries

  @Override
  public String getName() {
    return name;
  }

  @Override
  public State getState() {
    return effective;
  }

  @Override
  public CircuitBreakerConfig getCircuitBreakerConfig() {
    return config;
  }

  /**
   * A live view, as Resilience4j's: this node's own window while it decides alone or is the only
   * node reporting, the fleet's window while others report too, and the local machine's window
   * of the states whose windows are not shared (HALF_OPEN trials, FORCED_OPEN, DISABLED).
   */
  @Override
  public Metrics getMetrics() {
    return metrics;
  }

  private Metrics currentWindow() {
    SharedView v = view;
    if (engine.mode() == SyncMode.LOCAL || v.version() == 0 || chain.pending()) {
      return local.getMetrics();
    }
    return switch (v.state()) {
      case CLOSED, METRICS_ONLY, OPEN -> sharedWithOthers(v) && !(v.state() == State.OPEN
          && local.getState() != State.OPEN) ? fleet : local.getMetrics();
      default -> local.getMetrics();
    };
  }

  @Override
  public FleetMetrics fleetMetrics() {
    return fleet;
  }

  @Override
  public Metrics localMetrics() {
    return local.getMetrics();
  }

  @Override
  public Map<String, String> getTags() {
    return tags;
  }

  @Override
  public EventPublisher getEventPublisher() {
    return events;
  }

  @Override
  public long getCurrentTimestamp() {
    return config.getCurrentTimestampFunction().apply(clock);
  }

  @Override
  public TimeUnit getTimestampUnit() {
    return config.getTimestampUnit();
  }

  @Override
  public SyncMode syncMode() {
    return engine.mode();
  }

  @Override
  public State sharedState() {
    return view.state();
  }

  /**
   * Redis's version, or while this node's own steps are on their way the version they will have
   * (each step taken adds one), so that every node names a transition by the same version.
   */
  @Override
  public long stateVersion() {
    long version = view.version();
    int steps = chain.size();
    return steps == 0 ? version : Math.max(version, 1) + steps;
  }

  @Override
  public String nodeId() {
    return engine.nodeId();
  }

  @Override
  public String toString() {
    return "RedisCircuitBreaker '" + name + "'";
  }

  /** Calls this node did not permit: its local machine's, and the shared state's refusals. */
  private long notPermittedCalls() {
    return local.getMetrics().getNumberOfNotPermittedCalls() + rejected.sum();
  }
}
