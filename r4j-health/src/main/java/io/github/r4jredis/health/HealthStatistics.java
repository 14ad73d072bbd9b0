package io.github.r4jredis.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a service's probe history says: uptime, latency, time to recover, and where it is going.
 * Computed by {@link #of(List)} from any history, so it is the same on every node of a fleet
 * that shares the history.
 *
 * @param samples checks in the history
 * @param uptimePercent share of passed checks, 0-100; NaN without samples
 * @param latencyAvg mean latency of passed checks (zero without any)
 * @param latencyMin fastest passed check
 * @param latencyMax slowest passed check
 * @param latencyP95 95th percentile (nearest rank) of passed checks
 * @param latencyP99 99th percentile (nearest rank) of passed checks
 * @param meanTimeToRecover mean time from the first failed check of an outage to the next passed
 *     one, over the outages that ended; empty when none did
 * @param outages outages that started in the history (ended or not)
 * @param currentOutage how long the service has been failing, when its last check failed
 * @param trend the recent half of the history against the older half
 */
public record HealthStatistics(
    int samples,
    double uptimePercent,
    Duration latencyAvg,
    Duration latencyMin,
    Duration latencyMax,
    Duration latencyP95,
    Duration latencyP99,
    Optional<Duration> meanTimeToRecover,
    int outages,
    Optional<Duration> currentOutage,
    Trend trend) {

  /** Fewer checks than this and the trend is {@link Trend#STABLE}: too little to tell. */
  public static final int MIN_SAMPLES_FOR_TREND = 10;

  /** A change of the failure rate by this many percentage points between halves is a trend. */
  public static final double FAILURE_RATE_TREND_POINTS = 5.0;

  /** A change of the median latency by this share between halves is a trend. */
  public static final double LATENCY_TREND_SHARE = 0.2;

  /** Where a service is going. */
  public enum Trend {
    /** Fewer failures or faster than before. */
    IMPROVING,
    /** No change worth telling. */
    STABLE,
    /** More failures or slower than before. */
    DEGRADING
  }

  /** The statistics of {@code history}, in any order. */
  public static HealthStatistics of(List<ProbeResult> history) {
    List<ProbeResult> checks = new ArrayList<>(history);
    checks.sort(Comparator.comparing(ProbeResult::at));
    int n = checks.size();
    List<Duration> latencies = checks.stream().filter(ProbeResult::healthy).map(ProbeResult::latency).sorted().toList();
    double uptime = n == 0 ? Double.NaN : latencies.size() * 100.0 / n;

    List<Duration> recoveries = new ArrayList<>();
    int outages = 0;
    ProbeResult outageStart = null;
    for (ProbeResult check : checks) {
      if (!check.healthy() && outageStart == null) {
        outageStart = check;
        outages++;
      } else if (check.healthy() && outageStart != null) {
        recoveries.add(Duration.between(outageStart.at(), check.at()));
        outageStart = null;
      }
    }
    Optional<Duration> current = outageStart == null ? Optional.empty()
        : Optional.of(Duration.between(outageStart.at(), checks.get(n - 1).at()));
    Optional<Duration> mttr = recoveries.isEmpty() ? Optional.empty()
        : Optional.of(recoveries.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(recoveries.size()));

    return new HealthStatistics(n, uptime, mean(latencies), latencies.isEmpty() ? Duration.ZERO : latencies.get(0),
        latencies.isEmpty() ? Duration.ZERO : latencies.get(latencies.size() - 1), percentile(latencies, 95),
        percentile(latencies, 99), mttr, outages, current, trend(checks));
  }

  private static Trend trend(List<ProbeResult> checks) {
    if (checks.size() < MIN_SAMPLES_FOR_TREND) {
      return Trend.STABLE;
    }
    List<ProbeResult> older = checks.subList(0, checks.size() / 2);
    List<ProbeResult> recent = checks.subList(checks.size() / 2, checks.size());
    double failureChange = failureRate(recent) - failureRate(older);
    if (Math.abs(failureChange) >= FAILURE_RATE_TREND_POINTS) {
      return failureChange > 0 ? Trend.DEGRADING : Trend.IMPROVING;
    }
    double olderMedian = median(older);
    double recentMedian = median(recent);
    if (olderMedian > 0 && recentMedian > 0) {
      double change = (recentMedian - olderMedian) / olderMedian;
      if (Math.abs(change) >= LATENCY_TREND_SHARE) {
        return change > 0 ? Trend.DEGRADING : Trend.IMPROVING;
      }
    }
    return Trend.STABLE;
  }

  private static double failureRate(List<ProbeResult> checks) {
    return checks.stream().filter(c -> !c.healthy()).count() * 100.0 / checks.size();
  }

  private static double median(List<ProbeResult> checks) {
    List<Duration> latencies = checks.stream().filter(ProbeResult::healthy).map(ProbeResult::latency).sorted().toList();
    return latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2).toNanos();
  }

  private static Duration mean(List<Duration> values) {
    if (values.isEmpty()) {
      return Duration.ZERO;
    }
    double nanos = values.stream().mapToLong(Duration::toNanos).average().orElse(0);
    return Duration.ofNanos(Math.round(nanos));
  }

  /** Nearest rank: the smallest value with at least {@code p} percent of values at or below it. */
  static Duration percentile(List<Duration> sorted, int p) {
    if (sorted.isEmpty()) {
      return Duration.ZERO;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
