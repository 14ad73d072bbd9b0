package io.github.r4jredis.state;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Instant;
import java.util.Optional;

/**
 * A breaker's shared state as stored in Redis, for overviews and operators.
 *
 * @param name breaker name
 * @param state fleet-wide state
 * @param version fencing token, incremented by every transition
 * @param since when the last transition happened (Redis server time)
 * @param openUntil when an OPEN breaker may go HALF_OPEN (Redis server time); empty otherwise
 * @param attempts consecutive opens, which drive the backoff of the wait in OPEN
 * @param trialHolder node holding the trial episode: in HALF_OPEN the one running its trial calls,
 *     in OPEN the one reserved for the next episode (the node whose calls opened the breaker,
 *     until it gives the reservation up or it lapses); empty otherwise
 * @param calls calls in the shared window
 * @param failedCalls failed calls in the shared window
 * @param slowCalls slow calls in the shared window
 * @param reportingNodes nodes that flushed to the breaker lately (outcomes, or a seed); like
 *     {@code failingNodes}, recounted by Redis at most once a second (the count reads every
 *     node's entry), so both may lag the window's calls by up to a second
 * @param failingNodes nodes that reported failures inside the window
 */
public record SharedBreakerState(
    String name,
    State state,
    long version,
    Instant since,
    Optional<Instant> openUntil,
    int attempts,
    Optional<String> trialHolder,
    long calls,
    long failedCalls,
    long slowCalls,
    int reportingNodes,
    int failingNodes) {

  /**
   * The failure rate of the shared window in percent, or -1 when it holds no calls. (Unlike
   * {@link FleetMetrics}, this does not apply {@code minimumNumberOfCalls}.)
   */
  public float failureRate() {
    return calls == 0 ? -1f : failedCalls * 100f / calls;
  }
}
