package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.FleetMetrics;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.ResultRecordedAsFailureException;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnCallNotPermittedEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnFailureRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnIgnoredErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnResetEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSlowCallRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSuccessEvent;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import io.github.resilience4j.core.functions.Either;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet-shared breaker of one name on one node.
 *
 * <p>It holds two things: the last shared state Redis reported ({@link #view}, fenced by its
 * version) and a plain Resilience4j state machine ({@link #local}) fed with every outcome of this
 * node. Who decides a call:
 * <ul>
 *   <li>LOCAL mode (Redis unreachable): the local machine, with exact Resilience4j semantics.
 *   <li>shared CLOSED: the local machine, which permits unless this node's own calls tripped it
 *       (a node with a bad network protects itself; the fleet stays CLOSED);
 *   <li>shared HALF_OPEN and this node holds the probe lease: the local machine, moved to a fresh
 *       HALF_OPEN when the lease was granted, so it grants exactly the permitted trial calls and
 *       reaches Resilience4j's verdict, which is then reported to Redis; until Redis applies it
 *       the breaker stays HALF_OPEN and permits nothing more;
 *   <li>any other shared state: the shared state itself (OPEN rejects until its deadline, then
 *       one node claims the lease; FORCED_OPEN rejects; DISABLED and METRICS_ONLY permit).
 * </ul>
 * Every change of the shared state re-aligns the local machine, and every change of the
 * resulting effective state is published as Resilience4j transition events.
 *
 * <p>Thread-safety: the call path reads volatile fields and lock-free counters. {@link #lock}
 * guards {@link #view} changes, the alignment of {@link #local} and the publication of
 * transitions. Fields marked "sync thread" belong to the registry's sync thread.
 */
public final class SharedCircuitBreaker implements RedisCircuitBreaker {

  private static final Logger LOG = LoggerFactory.getLogger(SharedCircuitBreaker.class);

  private final String name;
  private final String encodedName;
  private final CircuitBreakerConfig config;
  private final SharedConfig shared;
  private final Map<String, String> tags;
  private final SyncEngine engine;
  private final CircuitBreakerStateMachine local;
  private final BreakerEvents events;
  private final OutcomeCounter outcomes = new OutcomeCounter();
  private final Clock clock;
  private final long slowCallNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean claimInFlight = new AtomicBoolean();
  private final AtomicInteger probesInFlight = new AtomicInteger();

  private volatile SharedView view = SharedView.initial();
  private volatile State effective;
  private volatile LongAdder notPermitted = new LongAdder();
  private volatile long eagerThreshold = 1;
  private volatile long heldEpoch = -1;
  private volatile long lastProbeActivityNanos;
  private volatile State observedLocal;

  // Guarded by lock.
  private boolean realignOnNextView;
  private boolean verdictSent;
  private boolean mismatchLogged;
  private long hintReceivedNanos;

  // Set from any thread, consumed by the sync thread.
  volatile boolean needsSeed = true;
  volatile boolean reseedBehind;
  volatile boolean verifyDue;
  volatile long lastViewNanos;
  // Sync thread.
  long lastRenewNanos;

  SharedCircuitBreaker(String name, CircuitBreakerConfig config, SharedConfig shared,
      Map<String, String> tags, SyncEngine engine) {
    this.name = name;
    this.encodedName = KeySpace.encode(name);
    this.config = config;
    this.shared = shared;
    this.tags = Map.copyOf(tags);
    this.engine = engine;
    this.clock = config.getClock();
    this.slowCallNanos = config.getSlowCallDurationThreshold().toNanos();
    this.local = new CircuitBreakerStateMachine(name, config, tags);
    this.effective = local.getState();
    this.observedLocal = effective;
    this.events = new BreakerEvents(() -> effective);
    // No consumer is registered on the local machine: with one, Resilience4j builds an event
    // object (and reads the wall clock) on every call. Its transitions are observed instead,
    // after each call into it and on every sync tick (the asynchronous ones).
  }

  // ---------------------------------------------------------------- the call path

  @Override
  public boolean tryAcquirePermission() {
    boolean permitted = decide();
    if (!permitted || observedLocal != State.CLOSED) {
      checkLocal(); // a CLOSED local machine that permits cannot have moved
    }
    if (!permitted) {
      notPermitted.increment();
      if (events.hasConsumers()) {
        events.publish(() -> new CircuitBreakerOnCallNotPermittedEvent(name));
      }
    }
    return permitted;
  }

  private boolean decide() {
    if (engine.mode() == SyncMode.LOCAL) {
      return localPermission();
    }
    SharedView v = view;
    switch (v.state()) {
      case CLOSED:
        return localPermission();
      case DISABLED:
      case METRICS_ONLY:
        return true;
      case FORCED_OPEN:
        return false;
      case OPEN:
        return engine.serverNow() >= v.openUntil() && claim();
      case HALF_OPEN:
        if (isHolder(v)) {
          return acquireProbe();
        }
        return (v.leaseHolder().isEmpty() || engine.serverNow() >= v.leaseUntil()) && claim();
      default:
        return false;
    }
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

  /**
   * A trial call of the episode this node holds. Under the lock, so that a new episode's
   * alignment cannot swap the local HALF_OPEN state between the check and the permit. Only
   * while the local machine is HALF_OPEN: once it reached its verdict, nothing more until Redis
   * applies the verdict (one round trip).
   */
  private boolean acquireProbe() {
    lock.lock();
    try {
      if (!isHolder(view) || local.getState() != State.HALF_OPEN) {
        return false;
      }
      boolean permitted = localPermission();
      if (permitted) {
        engine.history().probePermitted(engine.nodeId(), name, heldEpoch);
        probesInFlight.incrementAndGet();
        lastProbeActivityNanos = System.nanoTime();
      }
      return permitted;
    } finally {
      lock.unlock();
    }
  }

  /** Asks Redis for the probe lease: the one synchronous call, one per breaker at a time. */
  private boolean claim() {
    if (!claimInFlight.compareAndSet(false, true)) {
      return false;
    }
    try {
      long requested = System.nanoTime();
      SharedView reply = engine.claim(this, true);
      if (reply == null) {
        return false;
      }
      boolean granted = "GRANTED".equals(reply.status());
      lock.lock();
      try {
        if (granted && reply.version() != heldEpoch) {
          heldEpoch = reply.version();
          verdictSent = false;
          probesInFlight.set(0);
        }
        apply(reply, requested);
        if (!isHolder(view)) {
          return false;
        }
      } finally {
        lock.unlock();
      }
      return acquireProbe();
    } finally {
      claimInFlight.set(false);
    }
  }

  private boolean isHolder(SharedView v) {
    return v.state() == State.HALF_OPEN && v.version() == heldEpoch
        && engine.nodeId().equals(v.leaseHolder());
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
    if (isHolder(view)) {
      probeDone();
    }
  }

  @Override
  public void onError(long duration, TimeUnit durationUnit, Throwable throwable) {
    Throwable cause = throwable instanceof CompletionException || throwable instanceof ExecutionException
        ? throwable.getCause() : throwable;
    if (cause == null) {
      cause = throwable;
    }
    if (config.getIgnoreExceptionPredicate().test(cause)) {
      releasePermission();
      if (events.hasConsumers()) {
        Throwable ignored = cause;
        events.publish(() -> new CircuitBreakerOnIgnoredErrorEvent(name, elapsed(duration, durationUnit), ignored));
      }
      return;
    }
    boolean failure = config.getRecordExceptionPredicate().test(cause);
    if (events.hasConsumers()) {
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
    count(failure, duration, durationUnit);
    propagateTransitionOnResult(Either.right(cause));
  }

  @Override
  public void onSuccess(long duration, TimeUnit durationUnit) {
    if (events.hasConsumers()) {
      events.publish(() -> new CircuitBreakerOnSuccessEvent(name, elapsed(duration, durationUnit)));
    }
    try {
      local.onSuccess(duration, durationUnit);
    } catch (IllegalStateTransitionException raced) {
      lostRace(raced);
    }
    count(false, duration, durationUnit);
  }

  @Override
  public void onResult(long duration, TimeUnit durationUnit, @Nullable Object result) {
    boolean failure = result != null && config.getRecordResultPredicate().test(result);
    if (events.hasConsumers()) {
      if (failure) {
        ResultRecordedAsFailureException recorded = new ResultRecordedAsFailureException(name, result);
        events.publish(() -> new CircuitBreakerOnErrorEvent(name, elapsed(duration, durationUnit), recorded));
      } else {
        events.publish(() -> new CircuitBreakerOnSuccessEvent(name, elapsed(duration, durationUnit)));
      }
    }
    try {
      local.onResult(duration, durationUnit, result);
    } catch (IllegalStateTransitionException raced) {
      lostRace(raced);
    }
    count(failure, duration, durationUnit);
    if (result != null && !failure) {
      propagateTransitionOnResult(Either.left(result));
    }
  }

  /** A local transition lost to a concurrent one (see {@link #localPermission()}): dropped. */
  private void lostRace(IllegalStateTransitionException raced) {
    LOG.debug("Circuit breaker '{}': local transition lost a race", name, raced);
  }

  /** Adds an outcome to the fleet's window, and wakes the sync thread if it could matter now. */
  private void count(boolean failure, long duration, TimeUnit durationUnit) {
    boolean slow = durationUnit.toNanos(duration) > slowCallNanos;
    checkLocal(); // any outcome may trip the local machine: a success can complete minimumNumberOfCalls
    SharedView v = view;
    State sharedState = v.state();
    if (sharedState == State.HALF_OPEN && isHolder(v)) {
      probeDone();
    }
    if (sharedState == State.DISABLED || sharedState == State.FORCED_OPEN) {
      return;
    }
    outcomes.record(failure, slow);
    if ((failure || slow) && outcomes.unflushedBadOutcomes() >= eagerThreshold) {
      engine.wakeEager();
    }
  }

  private void probeDone() {
    probesInFlight.updateAndGet(n -> Math.max(0, n - 1));
    lastProbeActivityNanos = System.nanoTime();
  }

  /**
   * Resilience4j's {@code transitionOnResult} opens the local machine at once (it is fed the same
   * outcome); here the same decision is sent to the fleet.
   */
  private void propagateTransitionOnResult(Either<Object, Throwable> result) {
    if (engine.mode() != SyncMode.SHARED || view.state() != State.CLOSED) {
      return;
    }
    TransitionCheckResult check = config.getTransitionOnResult().apply(result);
    if (!check.isTransitionToOpen()) {
      return;
    }
    if (check.getWaitDuration() != null) {
      engine.commandLater(this, "OPEN_FOR", check.getWaitDuration().toMillis());
    } else if (check.getWaitUntil() != null) {
      engine.commandLater(this, "OPEN_FOR", Math.max(0, Duration.between(clock.instant(), check.getWaitUntil()).toMillis()));
    } else {
      engine.commandLater(this, "OPEN", 0);
    }
  }

  private static Duration elapsed(long duration, TimeUnit unit) {
    return Duration.ofNanos(unit.toNanos(duration));
  }

  // ---------------------------------------------------------------- applying shared state

  /**
   * Takes a state Redis reported (reply, read) or announced (message). Lock held.
   *
   * <p>Fencing: a view older than the one held is ignored, except when the held one came from
   * an unverified message and Redis itself says otherwise (a forged or stale message loses to a
   * read sent after the message arrived). A verified view older than a verified one means Redis
   * lost data: the breaker is re-seeded with what this node knew.
   *
   * @param requestedNanos when the request that produced {@code next} was sent (receipt time for
   *     a message): a reply to a request older than a message cannot contradict it
   */
  void apply(SharedView next, long requestedNanos) {
    if (next.isMissing()) {
      if (next.flags().startsWith("corrupt")) {
        LOG.warn("Shared state of circuit breaker '{}' in Redis was invalid ({}); re-seeding it",
            KeySpace.printable(name, 80), next.flags());
        engine.meters().repaired();
      }
      needsSeed = true;
      engine.wake();
      return;
    }
    lastViewNanos = System.nanoTime();
    checkConfig(next);
    SharedView current = view;
    boolean newer;
    if (next.version() > current.version()) {
      newer = true;
    } else if (next.version() < current.version()) {
      if (!next.verified()) {
        engine.meters().rejected("stale");
        return;
      }
      if (current.verified()) {
        // A reply older than what we hold: an earlier batch, or Redis lost data. Re-seeding with
        // "only if behind" is a no-op in the first case and repairs the second.
        reseedBehind = true;
        engine.wake();
        return;
      }
      if (requestedNanos - hintReceivedNanos < 0) {
        return; // asked before the message came: it cannot judge the message
      }
      engine.meters().rejected("forged");
      LOG.warn("A message claimed circuit breaker '{}' is at version {}; Redis says {}. Ignoring it.",
          KeySpace.printable(name, 80), current.version(), next.version());
      newer = true;
    } else if (!next.verified()) {
      return; // a message about the version we hold adds nothing
    } else {
      newer = !current.verified() && !sameState(current, next);
    }
    if (!next.verified() && next.version() > current.version()) {
      verifyDue = true;
      engine.wake();
    }
    if (!next.verified()) {
      hintReceivedNanos = requestedNanos;
    }
    if (next.version() != current.version()) {
      engine.history().viewAccepted(engine.nodeId(), name, next.version(), next.state());
    }
    view = next;
    updateEagerThreshold(next);
    // A message may announce this node's own lease before the claim's reply arrives: the holder
    // must still get its fresh HALF_OPEN even though the version is already known.
    boolean holderWithoutProbe = isHolder(next) && local.getState() != State.HALF_OPEN && !verdictSent;
    if (newer || realignOnNextView || holderWithoutProbe) {
      realignOnNextView = false;
      if (newer && (next.state() == State.CLOSED || next.state() == State.METRICS_ONLY)) {
        outcomes.discardUntilNow();
      }
      align(next, newer);
    }
    refresh();
    if (newer && "reset".equals(next.reason())) {
      events.publish(() -> new CircuitBreakerOnResetEvent(name));
    }
    publishFleetThresholds(next);
  }

  private static boolean sameState(SharedView a, SharedView b) {
    return a.state() == b.state() && a.leaseHolder().equals(b.leaseHolder()) && a.openUntil() == b.openUntil();
  }

  private void checkConfig(SharedView next) {
    if (!mismatchLogged && !next.fingerprint().isEmpty()
        && !next.fingerprint().equals(shared.fingerprint())) {
      mismatchLogged = true;
      LOG.warn("Circuit breaker '{}': the config shared in Redis (fingerprint {}) differs from this"
              + " node's ({}). The shared one decides; reset() replaces it with this node's.",
          KeySpace.printable(name, 80), next.fingerprint(), shared.fingerprint());
    }
  }

  /** Failure rate exceeded events of a flush that opened the breaker or crossed in METRICS_ONLY. */
  private void publishFleetThresholds(SharedView v) {
    String flags = v.flags();
    if (flags.isEmpty() || !(flags.contains("O") || v.state() == State.METRICS_ONLY)) {
      return;
    }
    float calls = Math.max(1, v.calls());
    if (flags.contains("F")) {
      events.publish(() -> new CircuitBreakerOnFailureRateExceededEvent(name, v.failures() * 100f / calls));
    }
    if (flags.contains("S")) {
      events.publish(() -> new CircuitBreakerOnSlowCallRateExceededEvent(name, v.slowCalls() * 100f / calls));
    }
  }

  /**
   * How many unflushed failed or slow calls make this node flush at once: the failures the fleet
   * window still misses before a threshold, shared out over the reporting nodes.
   */
  private void updateEagerThreshold(SharedView v) {
    if (v.state() != State.CLOSED) {
      eagerThreshold = Long.MAX_VALUE;
      return;
    }
    long missing = Math.min(
        missingBad(v.calls(), v.failures(), config.getFailureRateThreshold()),
        missingBad(v.calls(), v.slowCalls(), config.getSlowCallRateThreshold()));
    long nodes = Math.max(1, v.activeNodes());
    eagerThreshold = Math.max(1, (missing + nodes - 1) / nodes);
  }

  /**
   * Bad calls x to add to a window of {@code calls} calls, {@code bad} of them bad, for its rate
   * to reach {@code threshold} (percent) with at least the minimum number of calls. A
   * COUNT_BASED window that is full evicts as it takes: the x new calls replace x old ones,
   * which held bad calls in proportion.
   */
  private long missingBad(long calls, long bad, float threshold) {
    long minimum = minimumCalls();
    int size = config.getSlidingWindowSize();
    boolean counted = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
    double rate = threshold / 100.0;
    long growing = rate >= 1.0
        ? (bad >= calls ? 0 : Long.MAX_VALUE / 4)
        : (long) Math.ceil((rate * calls - bad) / (1.0 - rate));
    long missing = Math.max(growing, minimum - calls);
    if (counted && calls + missing > size) {
      // Full window: (bad * (size - x) / calls) + x >= rate * size.
      double oldBadShare = calls == 0 ? 0 : (double) bad / calls;
      missing = oldBadShare >= 1.0 ? 0 : (long) Math.ceil((rate - oldBadShare) * size / (1.0 - oldBadShare));
      missing = Math.max(missing, minimum - Math.min(calls, size));
    }
    return Math.max(0, missing);
  }

  private int minimumCalls() {
    return config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
        ? Math.min(config.getMinimumNumberOfCalls(), config.getSlidingWindowSize())
        : config.getMinimumNumberOfCalls();
  }

  /** Moves the local machine to the shared state. Lock held. */
  private void align(SharedView v, boolean newer) {
    changeLocal(() -> {
      switch (v.state()) {
        case CLOSED -> {
          if (newer) {
            local.reset();
          }
        }
        case OPEN -> {
          Instant until = clock.instant().plusMillis(v.openUntil() - engine.serverNow());
          localTo(State.OPEN, () -> local.transitionToOpenStateUntil(until));
        }
        case HALF_OPEN -> {
          // The holder of a new episode gets a fresh HALF_OPEN: exactly the permitted trials.
          if (isHolder(v) && (newer || (local.getState() != State.HALF_OPEN && !verdictSent))) {
            localTo(State.HALF_OPEN, local::transitionToHalfOpenState);
          }
        }
        case FORCED_OPEN -> localTo(State.FORCED_OPEN, local::transitionToForcedOpenState);
        case DISABLED -> localTo(State.DISABLED, local::transitionToDisabledState);
        case METRICS_ONLY -> localTo(State.METRICS_ONLY, local::transitionToMetricsOnlyState);
        default -> { }
      }
    });
  }

  /**
   * Changes the local machine on purpose (alignment, LOCAL-mode manual operations), so that the
   * observation of its transitions does not take the change for one it made by itself. Lock held.
   */
  private void changeLocal(Runnable change) {
    try {
      change.run();
    } finally {
      observedLocal = local.getState();
    }
  }

  /**
   * Moves the local machine to {@code target}, through legal intermediate states when needed
   * (CLOSED to HALF_OPEN goes through OPEN). Caller threads may move the local machine at the
   * same moment (a recorded failure trips it): a lost race is retried from the new state.
   */
  private void localTo(State target, Runnable transition) {
    for (int attempt = 0; attempt < 3; attempt++) {
      State current = local.getState();
      if (current == target && target != State.OPEN && target != State.HALF_OPEN) {
        return;
      }
      try {
        for (StateTransition step : Transitions.path(current, target, null)) {
          if (step.getToState() != target) {
            localStep(step.getToState());
          }
        }
        transition.run();
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

  /** Reacts to a transition the local machine made by itself; cheap when there was none. */
  void checkLocal() {
    if (local.getState() != observedLocal) {
      observeLocal();
    }
  }

  /**
   * The local machine moved on its own: tripped on this node's calls, reached the verdict of its
   * trial calls, or fired an automatic transition. Reports a holder's verdict, asks Redis for an
   * automatic OPEN to HALF_OPEN, publishes threshold events, and the effective state.
   */
  private void observeLocal() {
    lock.lock();
    try {
      State now = local.getState();
      State before = observedLocal;
      if (now == before) {
        return;
      }
      observedLocal = now;
      SharedView v = view;
      boolean localDecides = engine.mode() == SyncMode.LOCAL || v.state() == State.CLOSED;
      if (before == State.CLOSED && now == State.OPEN && localDecides) {
        publishLocalThresholds();
      }
      if (engine.mode() == SyncMode.SHARED) {
        if (isHolder(v) && before == State.HALF_OPEN && !verdictSent
            && (now == State.CLOSED || now == State.OPEN)) {
          verdictSent = true;
          engine.verdictLater(this, v.version(), now);
        } else if (v.state() == State.OPEN && before == State.OPEN && now == State.HALF_OPEN
            && config.isAutomaticTransitionFromOpenToHalfOpenEnabled()) {
          engine.claimLater(this);
        }
      }
      refresh();
    } finally {
      lock.unlock();
    }
  }

  /** Resilience4j publishes these just before it opens; the local machine's rates say which. */
  private void publishLocalThresholds() {
    Metrics metrics = local.getMetrics();
    float failureRate = metrics.getFailureRate();
    float slowRate = metrics.getSlowCallRate();
    if (failureRate >= config.getFailureRateThreshold()) {
      events.publish(() -> new CircuitBreakerOnFailureRateExceededEvent(name, failureRate));
    }
    if (slowRate >= config.getSlowCallRateThreshold()) {
      events.publish(() -> new CircuitBreakerOnSlowCallRateExceededEvent(name, slowRate));
    }
  }

  /** Publishes the change of this node's effective state, if any. Lock held. */
  private void refresh() {
    State next = computeEffective();
    State before = effective;
    if (next == before) {
      return;
    }
    effective = next;
    notPermitted = new LongAdder();
    List<StateTransition> path = Transitions.path(before, next, view.previous());
    for (StateTransition step : path) {
      events.publish(() -> new CircuitBreakerOnStateTransitionEvent(name, step));
    }
  }

  private State computeEffective() {
    if (engine.mode() == SyncMode.LOCAL) {
      return local.getState();
    }
    SharedView v = view;
    State localState = local.getState();
    return switch (v.state()) {
      case CLOSED -> localState == State.OPEN || localState == State.HALF_OPEN ? localState : State.CLOSED;
      default -> v.state();
    };
  }

  /** Redis became unreachable: the local machine decides from now on. */
  void enterLocalMode() {
    lock.lock();
    try {
      SharedView v = view;
      if (v.state() == State.HALF_OPEN && !isHolder(v)) {
        // Cut off from the fleet's probe, this node probes for itself.
        changeLocal(() -> localTo(State.HALF_OPEN, local::transitionToHalfOpenState));
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
      realignOnNextView = view.state() != State.CLOSED;
      verifyDue = true;
      refresh();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- manual operations

  @Override
  public void reset() {
    if (engine.mode() == SyncMode.SHARED && applyCommand("RESET", 0, State.CLOSED)) {
      return;
    }
    lock.lock();
    try {
      changeLocal(local::reset);
      refresh();
    } finally {
      lock.unlock();
    }
    events.publish(() -> new CircuitBreakerOnResetEvent(name));
  }

  @Override
  public void transitionToClosedState() {
    manual("CLOSED", 0, State.CLOSED, local::transitionToClosedState);
  }

  @Override
  public void transitionToOpenState() {
    manual("OPEN", 0, State.OPEN, local::transitionToOpenState);
  }

  @Override
  public void transitionToOpenStateFor(Duration waitDuration) {
    manual("OPEN_FOR", waitDuration.toMillis(), State.OPEN, () -> local.transitionToOpenStateFor(waitDuration));
  }

  @Override
  public void transitionToOpenStateUntil(Instant waitUntil) {
    long waitMillis = Math.max(0, Duration.between(clock.instant(), waitUntil).toMillis());
    manual("OPEN_FOR", waitMillis, State.OPEN, () -> local.transitionToOpenStateUntil(waitUntil));
  }

  @Override
  public void transitionToHalfOpenState() {
    manual("HALF_OPEN", 0, State.HALF_OPEN, local::transitionToHalfOpenState);
  }

  @Override
  public void transitionToDisabledState() {
    manual("DISABLED", 0, State.DISABLED, local::transitionToDisabledState);
  }

  @Override
  public void transitionToMetricsOnlyState() {
    manual("METRICS_ONLY", 0, State.METRICS_ONLY, local::transitionToMetricsOnlyState);
  }

  @Override
  public void transitionToForcedOpenState() {
    manual("FORCED_OPEN", 0, State.FORCED_OPEN, local::transitionToForcedOpenState);
  }

  /**
   * A manual transition: fleet-wide through Redis when it answers (Resilience4j's legality rules,
   * checked by the script), on this node alone otherwise, until Redis returns and its state
   * wins again.
   */
  private void manual(String op, long waitMillis, State target, Runnable localTransition) {
    if (engine.mode() == SyncMode.SHARED) {
      StateTransition.transitionBetween(name, sharedState(), target); // throws like Resilience4j
      if (applyCommand(op, waitMillis, target)) {
        return;
      }
      LOG.warn("Redis did not answer: circuit breaker '{}' goes {} on this node only, until Redis"
          + " answers and the fleet's state applies again", KeySpace.printable(name, 80), target);
    }
    lock.lock();
    try {
      changeLocal(localTransition);
      refresh();
    } finally {
      lock.unlock();
    }
  }

  private boolean applyCommand(String op, long waitMillis, State target) {
    long requested = System.nanoTime();
    SharedView reply = engine.command(this, op, waitMillis);
    if (reply == null) {
      return false;
    }
    if ("ILLEGAL".equals(reply.status())) {
      lock.lock();
      try {
        apply(reply, requested);
      } finally {
        lock.unlock();
      }
      StateTransition.transitionBetween(name, reply.state(), target);
      throw new IllegalStateException("Redis refused " + op + " of circuit breaker '" + name + "' in state " + reply.state());
    }
    lock.lock();
    try {
      apply(reply, requested);
    } finally {
      lock.unlock();
    }
    return true;
  }

  // ---------------------------------------------------------------- sync thread hooks

  /** Seed arguments from what this node knows now. */
  List<String> seed() {
    SharedView v = view;
    long remaining = v.state() == State.OPEN ? Math.max(0, v.openUntil() - engine.serverNow()) : 0;
    return shared.seed(v.state(), v.version(), remaining, v.attempts());
  }

  /** Whether this node holds a probe lease worth renewing now. */
  boolean holdsActiveLease(long leaseNanos) {
    SharedView v = view;
    if (!isHolder(v) || verdictSent) {
      return false;
    }
    return probesInFlight.get() > 0 || System.nanoTime() - lastProbeActivityNanos < leaseNanos;
  }

  long heldEpoch() {
    return heldEpoch;
  }

  OutcomeCounter outcomes() {
    return outcomes;
  }

  String encodedName() {
    return encodedName;
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

  @Override
  public Metrics getMetrics() {
    return engine.mode() == SyncMode.LOCAL ? local.getMetrics() : fleetMetrics();
  }

  @Override
  public FleetMetrics fleetMetrics() {
    return new Fleet();
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

  @Override
  public long stateVersion() {
    return view.version();
  }

  @Override
  public String nodeId() {
    return engine.nodeId();
  }

  @Override
  public String toString() {
    return "RedisCircuitBreaker '" + name + "'";
  }

  /** The fleet window: Redis's last report plus this node's unacknowledged outcomes. */
  private final class Fleet implements FleetMetrics {
    private final SharedView v = view;
    private final OutcomeCounter.Counts mine =
        v.state() == State.CLOSED || v.state() == State.METRICS_ONLY ? outcomes.unacknowledged() : new OutcomeCounter.Counts();

    @Override
    public float getFailureRate() {
      return rate(getNumberOfFailedCalls());
    }

    @Override
    public float getSlowCallRate() {
      return rate(getNumberOfSlowCalls());
    }

    private float rate(int count) {
      int calls = getNumberOfBufferedCalls();
      return calls == 0 || calls < minimumCalls() ? -1f : count * 100f / calls;
    }

    @Override
    public int getNumberOfSlowCalls() {
      return clamp(v.slowCalls() + mine.slowCalls());
    }

    @Override
    public int getNumberOfSlowSuccessfulCalls() {
      return getNumberOfSlowCalls() - getNumberOfSlowFailedCalls();
    }

    @Override
    public int getNumberOfSlowFailedCalls() {
      return clamp(v.slowFailures() + mine.slowFailures());
    }

    @Override
    public int getNumberOfBufferedCalls() {
      long calls = v.calls() + mine.calls();
      if (config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED) {
        calls = Math.min(calls, config.getSlidingWindowSize());
      }
      return clamp(calls);
    }

    @Override
    public int getNumberOfFailedCalls() {
      return Math.min(clamp(v.failures() + mine.failures()), getNumberOfBufferedCalls());
    }

    @Override
    public long getNumberOfNotPermittedCalls() {
      return notPermitted.sum();
    }

    @Override
    public int getNumberOfSuccessfulCalls() {
      return getNumberOfBufferedCalls() - getNumberOfFailedCalls();
    }

    @Override
    public int getNumberOfReportingNodes() {
      return v.activeNodes();
    }

    @Override
    public int getNumberOfFailingNodes() {
      return v.failingNodes();
    }

    private int clamp(long value) {
      return (int) Math.min(Integer.MAX_VALUE, Math.max(0, value));
    }
  }
}
