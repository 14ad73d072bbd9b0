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
 * <p>Thread-safe. The call path ({@code tryAcquirePermission}, {@code onSuccess},
 * {@code onError}) touches memory only; the one exception is the first call after an OPEN
 * breaker's wait, which claims the half-open probe lease with one script call bounded by the
 * registry's command timeout.
 */
public interface RedisCircuitBreaker extends CircuitBreaker {

  /** Whether this breaker currently follows the fleet or decides alone. */
  SyncMode syncMode();

  /** The fleet's state as this node last learnt it from Redis. */
  State sharedState();

  /**
   * The version of the shared state this node holds: a fencing token that every shared
   * transition increments. 0 until Redis first answered.
   */
  long stateVersion();

  /** The fleet's sliding window. */
  FleetMetrics fleetMetrics();

  /** The local state machine's own window: this node's calls only. */
  Metrics localMetrics();

  /** The id this node reports under. */
  String nodeId();
}
