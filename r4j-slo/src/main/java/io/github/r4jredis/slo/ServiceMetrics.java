package io.github.r4jredis.slo;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A service's figures over a window, fleet-wide: every node's calls added up in Redis.
 *
 * @param service the service (its circuit breaker's name)
 * @param window the window
 * @param requests calls: successes, failures and calls not permitted (ignored errors excluded)
 * @param successes calls that succeeded
 * @param failures calls that failed (errors the breaker records)
 * @param notPermitted calls the open breaker rejected
 * @param ignored calls that failed with an error the breaker ignores
 * @param slow successful or failed calls slower than the breaker's slow-call threshold
 * @param latencyP50 median latency of the calls made
 * @param latencyP95 95th percentile
 * @param latencyP99 99th percentile
 * @param transitions state transitions of the breaker
 * @param timeInState how long the breaker spent in each state within the window
 * @param recoveries episodes from opening to closing again that ended in the window
 * @param meanRecovery their mean length; zero without any
 * @param maxRecovery the longest
 * @param currentOutage how long the breaker has not been CLOSED, when it is not
 */
public record ServiceMetrics(String service, Duration window, long requests, long successes, long failures,
    long notPermitted, long ignored, long slow, Duration latencyP50, Duration latencyP95, Duration latencyP99,
    long transitions, Map<State, Duration> timeInState, int recoveries, Duration meanRecovery, Duration maxRecovery,
    Optional<Duration> currentOutage) {

  /** Copies the map. */
  public ServiceMetrics {
    timeInState = Map.copyOf(timeInState);
  }

  /** Successes over requests, 0-1; 1 without requests. */
  public double successRate() {
    return requests == 0 ? 1.0 : (double) successes / requests;
  }

  /** Failures and rejected calls over requests, 0-1; 0 without requests. */
  public double failureRate() {
    return requests == 0 ? 0.0 : (double) (failures + notPermitted) / requests;
  }
}
