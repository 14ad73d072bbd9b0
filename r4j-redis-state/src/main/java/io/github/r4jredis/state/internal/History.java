package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

/**
 * Observes what a node's breakers do, for the history checker of the fault suite: every shared
 * state a node accepted, every trial permit it granted, every flush Redis acknowledged.
 * Implementations must be thread-safe and fast; the default does nothing.
 */
public interface History {

  /** Does nothing. */
  History NONE = new History() {};

  /** {@code node} accepted version {@code version} of breaker {@code name}. */
  default void viewAccepted(String node, String name, long version, State state) {}

  /** {@code node} granted a trial call in the HALF_OPEN episode {@code episode}. */
  default void trialPermitted(String node, String name, long episode) {}

  /** Redis answered the flush {@code sequence} of {@code node} with OK (merged) or DUP. */
  default void flushAcknowledged(String node, String name, long sequence, String status) {}
}
