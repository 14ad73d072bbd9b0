package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.internal.SharedView.Flag;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.Metrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnFailureRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSlowCallRateExceededEvent;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One breaker's failure- and slow-rate-exceeded events, published when Resilience4j publishes them:
 * just before the breaker opens, from the window that crossed the threshold (this node's, or the
 * fleet's as Redis computed it), and in METRICS_ONLY once per exceeded rate per episode.
 *
 * <p>Thread-safe: what an episode has published is guarded by the breaker's lock.
 */
final class ThresholdEvents {

  private final String name;
  private final CircuitBreakerConfig config;
  private final BreakerEvents events;
  private final ReentrantLock lock;
  private final Supplier<State> effective;
  // Guarded by lock; read without it only to skip the work once both are published.
  private boolean failureRatePublished;
  private boolean slowRatePublished;

  ThresholdEvents(String name, CircuitBreakerConfig config, BreakerEvents events, ReentrantLock lock,
      Supplier<State> effective) {
    this.name = name;
    this.config = config;
    this.events = events;
    this.lock = lock;
    this.effective = effective;
  }

  /**
   * The local machine opened from {@code window}: publishes the rates it crossed.
   *
   * @return whether a threshold was crossed (false: the machine opened for another reason)
   */
  boolean localOpened(Metrics window) {
    float failureRate = window.getFailureRate();
    float slowRate = window.getSlowCallRate();
    boolean failed = failureRate >= config.getFailureRateThreshold();
    boolean slow = slowRate >= config.getSlowCallRateThreshold();
    if (failed) {
      events.publish(() -> new CircuitBreakerOnFailureRateExceededEvent(name, failureRate));
    }
    if (slow) {
      events.publish(() -> new CircuitBreakerOnSlowCallRateExceededEvent(name, slowRate));
    }
    return failed || slow;
  }

  /** A flush of this node opened the fleet: the rates Redis found exceeded, from the fleet's window. */
  void fleetOpened(SharedView v) {
    float calls = Math.max(1, v.calls());
    if (v.flags().contains(Flag.FAILURE_RATE_EXCEEDED)) {
      events.publish(() -> new CircuitBreakerOnFailureRateExceededEvent(name, v.failures() * 100f / calls));
    }
    if (v.flags().contains(Flag.SLOW_RATE_EXCEEDED)) {
      events.publish(() -> new CircuitBreakerOnSlowCallRateExceededEvent(name, v.slowCalls() * 100f / calls));
    }
  }

  /** A METRICS_ONLY episode begins: each exceeded rate will be published once again. Lock held. */
  void newMetricsOnlyEpisode() {
    failureRatePublished = false;
    slowRatePublished = false;
  }

  /** In METRICS_ONLY, the rates of this node's {@code window} that exceed a threshold. */
  void metricsOnly(Metrics window) {
    if (failureRatePublished && slowRatePublished) {
      return;
    }
    float failureRate = window.getFailureRate();
    float slowRate = window.getSlowCallRate();
    metricsOnly(failureRate >= 0 && failureRate >= config.getFailureRateThreshold(), failureRate,
        slowRate >= 0 && slowRate >= config.getSlowCallRateThreshold(), slowRate);
  }

  /** In METRICS_ONLY, the rates of the fleet's window {@code v} that Redis found exceeded. */
  void metricsOnly(SharedView v) {
    float calls = Math.max(1, v.calls());
    metricsOnly(v.flags().contains(Flag.FAILURE_RATE_EXCEEDED), v.failures() * 100f / calls,
        v.flags().contains(Flag.SLOW_RATE_EXCEEDED), v.slowCalls() * 100f / calls);
  }

  /** Publishes the exceeded rates not yet published in this METRICS_ONLY episode. */
  private void metricsOnly(boolean failed, float failureRate, boolean slow, float slowRate) {
    if (!failed && !slow) {
      return;
    }
    lock.lock();
    try {
      if (effective.get() != State.METRICS_ONLY) {
        return;
      }
      if (failed && !failureRatePublished) {
        failureRatePublished = true;
        events.publish(() -> new CircuitBreakerOnFailureRateExceededEvent(name, failureRate));
      }
      if (slow && !slowRatePublished) {
        slowRatePublished = true;
        events.publish(() -> new CircuitBreakerOnSlowCallRateExceededEvent(name, slowRate));
      }
    } finally {
      lock.unlock();
    }
  }
}
