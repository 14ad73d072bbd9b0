package io.github.r4jredis.state;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * A Resilience4j {@link CircuitBreaker} whose state and sliding window are shared by every node
 * of a fleet through Redis. Get one from {@link RedisCircuitBreakerRegistry}; use it as any
 * {@code CircuitBreaker}.
 *
 * <p>{@link #getState()} is this node's effective state: the fleet's, except that a node whose
 * own calls trip its local window opens alone while the fleet stays CLOSED (a node with a bad
 * network protects itself), and that in {@link SyncMode#LOCAL} the local state machine decides.
 * {@link #getMetrics()} is the fleet's window ({@link #fleetMetrics()}), or the local one in
 * LOCAL mode.
 *
 * <p>Resilience4j's contract holds on every node from the first call: the node that decides
 * (before Redis first answered, while the fleet is CLOSED, and when it holds the trial episode)
 * decides with a plain Resilience4j state machine, on the config's clock, and the fleet follows
 * its steps. Manual transitions ({@code transitionTo...State()}, {@code reset()}) take effect on
 * this node at once, as on a Resilience4j breaker, and reach the fleet within a round trip; for a
 * fleet-wide change with its result, use {@link RedisCircuitBreakerRegistry#transition}.
 *
 * <p>Thread-safe. The call path ({@code tryAcquirePermission}, {@code onSuccess},
 * {@code onError}) touches memory only: it never waits on Redis.
 */
public interface RedisCircuitBreaker extends CircuitBreaker {

  /** Whether this breaker currently follows the fleet or decides alone. */
  SyncMode syncMode();

  /** The fleet's state as this node last learnt it from Redis. */
  State sharedState();

  /**
   * The version of the shared state this node is in: a fencing token that every shared
   * transition increments. 0 until Redis first answered. While a transition this node made (by
   * hand, or as the node running the trial calls) is on its way to Redis, the version it will
   * have there: every node names a transition by the same version.
   */
  long stateVersion();

  /** The fleet's sliding window. */
  FleetMetrics fleetMetrics();

  /** The local state machine's own window: this node's calls only. */
  Metrics localMetrics();

  /** The id this node reports under. */
  String nodeId();

  /**
   * Adds an observer of every call outcome this breaker takes, told on the calling thread once
   * the breaker has taken it, without building Resilience4j's event objects: per-call accounting
   * (SLOs, say) that costs the call path no allocation. The outcomes are those of Resilience4j's
   * call events (an error that is not recorded as a failure is a success, as its event is; in
   * DISABLED and FORCED_OPEN, which publish no call events, nothing is told).
   * An observer must be fast; one that throws is logged and the call goes on.
   */
  void addCallObserver(CallObserver observer);

  /** What {@link #addCallObserver} tells. Every method may be called from any thread. */
  interface CallObserver {

    /** A call succeeded (or failed in a way that does not count as a failure). */
    void onSuccess(long durationNanos);

    /** A call failed, by a recorded exception or a result recorded as a failure. */
    void onFailure(long durationNanos);

    /** A call failed with an ignored exception. */
    default void onIgnoredError(long durationNanos) {
    }

    /** A call was not permitted. */
    default void onNotPermitted() {
    }
  }
}
