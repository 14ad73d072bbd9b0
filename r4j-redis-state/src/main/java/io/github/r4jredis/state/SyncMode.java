package io.github.r4jredis.state;

/** Whether a breaker decides with the fleet or alone. */
public enum SyncMode {
  /** Redis answers: the breaker follows the fleet's shared state. */
  SHARED,
  /**
   * Redis is unreachable or too slow: the breaker decides with a plain local Resilience4j state
   * machine fed with the same outcomes, and rejoins the fleet when Redis answers again.
   */
  LOCAL
}
