package io.github.r4jredis.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The shared state of every breaker of the fleet at one moment, as {@link StateOverview} keeps
 * them in a Redis stream.
 *
 * @param id the stream entry id
 * @param at when it was taken
 * @param node the node that took it
 * @param breakers each breaker's state, by name
 */
public record StateSnapshot(String id, Instant at, String node, Map<String, Breaker> breakers) {

  /** Copies the map. */
  public StateSnapshot {
    breakers = Map.copyOf(breakers);
  }

  /**
   * One breaker in a snapshot.
   *
   * @param state its state
   * @param version its version: the number of transitions since it was created
   * @param since when it entered the state (Redis time)
   * @param openUntil when an OPEN breaker may go HALF_OPEN; empty otherwise
   * @param calls calls in the shared window
   * @param failedCalls failed calls in the shared window
   */
  public record Breaker(State state, long version, Instant since, Optional<Instant> openUntil, long calls,
      long failedCalls) {}
}
