package io.github.r4jredis.slo;

import java.time.Duration;
import java.util.Objects;

/**
 * The objectives of one service: availability, latency and recovery time over a rolling window.
 * Immutable; the {@code withXxx} methods return copies.
 *
 * @param availabilityTarget share of calls that must succeed, in (0, 1); default 0.999
 * @param latencyThreshold the latency objective: {@code latencyPercentile} of calls within it; default 1 s
 * @param latencyPercentile in (0, 1); default 0.99 (p99 under the threshold)
 * @param recoveryTarget longest time from a breaker opening to its closing again; default 300 s
 * @param window the rolling window of the objectives, 1 h to 90 days; default 30 days
 */
public record SloDefinition(double availabilityTarget, Duration latencyThreshold, double latencyPercentile,
    Duration recoveryTarget, Duration window) {

  /** Default availability target. */
  public static final double DEFAULT_AVAILABILITY = 0.999;
  /** Default latency threshold. */
  public static final Duration DEFAULT_LATENCY_THRESHOLD = Duration.ofMillis(1000);
  /** Default latency percentile. */
  public static final double DEFAULT_LATENCY_PERCENTILE = 0.99;
  /** Default recovery target. */
  public static final Duration DEFAULT_RECOVERY_TARGET = Duration.ofSeconds(300);
  /** Default window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);

  /** Checks every objective. */
  public SloDefinition {
    if (!(availabilityTarget > 0 && availabilityTarget < 1)) {
      throw new IllegalArgumentException("availabilityTarget must be in (0,1), was " + availabilityTarget);
    }
    Objects.requireNonNull(latencyThreshold, "latencyThreshold");
    if (latencyThreshold.isNegative() || latencyThreshold.isZero()) {
      throw new IllegalArgumentException("latencyThreshold must be positive, was " + latencyThreshold);
    }
    if (!(latencyPercentile > 0 && latencyPercentile < 1)) {
      throw new IllegalArgumentException("latencyPercentile must be in (0,1), was " + latencyPercentile);
    }
    Objects.requireNonNull(recoveryTarget, "recoveryTarget");
    if (recoveryTarget.isNegative() || recoveryTarget.isZero()) {
      throw new IllegalArgumentException("recoveryTarget must be positive, was " + recoveryTarget);
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofHours(1)) < 0 || window.compareTo(Duration.ofDays(90)) > 0) {
      throw new IllegalArgumentException("window must be from 1 h to 90 days, was " + window);
    }
  }

  /** The seed's objectives: 99.9 % available, p99 under 1 s, recovered within 300 s, over 30 days. */
  public static SloDefinition ofDefaults() {
    return new SloDefinition(DEFAULT_AVAILABILITY, DEFAULT_LATENCY_THRESHOLD, DEFAULT_LATENCY_PERCENTILE,
        DEFAULT_RECOVERY_TARGET, DEFAULT_WINDOW);
  }

  /** A copy with this availability target. */
  public SloDefinition withAvailability(double target) {
    return new SloDefinition(target, latencyThreshold, latencyPercentile, recoveryTarget, window);
  }

  /** A copy with this latency objective: {@code percentile} of calls within {@code threshold}. */
  public SloDefinition withLatency(Duration threshold, double percentile) {
    return new SloDefinition(availabilityTarget, threshold, percentile, recoveryTarget, window);
  }

  /** A copy with this recovery target. */
  public SloDefinition withRecoveryTarget(Duration target) {
    return new SloDefinition(availabilityTarget, latencyThreshold, latencyPercentile, target, window);
  }

  /** A copy with this window. */
  public SloDefinition withWindow(Duration window) {
    return new SloDefinition(availabilityTarget, latencyThreshold, latencyPercentile, recoveryTarget, window);
  }

  /** The error budget of the availability target. */
  public ErrorBudget errorBudget() {
    return ErrorBudget.of(availabilityTarget);
  }
}
