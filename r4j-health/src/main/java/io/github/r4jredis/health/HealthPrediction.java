package io.github.r4jredis.health;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Where a service is heading, from its probe history: latency and failure-rate trends, failures
 * that recur at the same time of day, a predicted status with a confidence, and recommendations
 * a person can act on. The method, in {@code docs/health.md}:
 *
 * <ul>
 *   <li><b>Latency trend</b>: least-squares line through the latencies of passed checks against
 *       time; its slope (ms per hour) and fit (R²) give the latency projected at the horizon.
 *   <li><b>Failure rate</b>: an exponentially weighted moving average of failed checks (span 20
 *       checks) is the rate now; a least-squares line through the failures against time gives its
 *       slope per hour, and both the rate projected at the horizon. Recent checks weigh over the
 *       trend: once the last 3 checks passed, a rising line no longer projects a rise (an outage
 *       that just ended leaves a rising line behind it).
 *   <li><b>Supported horizon</b>: no trend is projected further ahead than the history reaches
 *       back (its span, first to last check): asked for 1 h from 13 s of checks, the projection
 *       goes 13 s ahead, the confidence is scaled by 13 s / 1 h, and a recommendation says so.
 *   <li><b>Recurring patterns</b>: checks grouped by hour of day (in the given zone); an hour
 *       whose failure rate is at least 20 % and three times the overall rate, on at least two
 *       different days, is a pattern.
 *   <li><b>Status</b>: the worst of: UNHEALTHY when the last 3 checks failed, or the projected
 *       failure rate is at least 50 %, or a pattern with a failure rate of at least 50 % falls in
 *       the horizon; DEGRADED when the projected failure rate is at least 10 %, the projected
 *       latency at least twice the older half's median with a rising fit of R² >= 0.5, or a
 *       milder pattern falls in the horizon; HEALTHY otherwise.
 *   <li><b>Confidence</b>: the strength of the evidence for the deciding rule (R² for latency, the
 *       share of days for a pattern, the share of passed recent checks for HEALTHY...) times
 *       min(1, checks / 100), times min(1, span / horizon) unless the failing streak decides.
 * </ul>
 *
 * @param status the predicted status at the horizon
 * @param confidence 0-1
 * @param horizon how far ahead, as asked
 * @param supportedHorizon how far ahead the trends were projected: the horizon, or the history's
 *     span when that is shorter
 * @param samples checks the prediction rests on
 * @param latencySlopeMillisPerHour slope of the latency line
 * @param latencyFit R² of the latency line, 0-1
 * @param projectedLatency latency at the horizon on that line (not below zero)
 * @param failureRate failure rate now (EWMA), 0-1
 * @param failureRateSlopePerHour slope of the failure line
 * @param projectedFailureRate failure rate at the horizon, 0-1
 * @param patterns failures that recur at the same hour of day
 * @param recommendations what to do, in plain words; never empty
 */
public record HealthPrediction(
    Status status,
    double confidence,
    Duration horizon,
    Duration supportedHorizon,
    int samples,
    double latencySlopeMillisPerHour,
    double latencyFit,
    Duration projectedLatency,
    double failureRate,
    double failureRateSlopePerHour,
    double projectedFailureRate,
    List<RecurringPattern> patterns,
    List<String> recommendations) {

  /** Fewer checks than this and the prediction is the last check's verdict, with low confidence. */
  public static final int MIN_SAMPLES = 10;

  /** Span of the failure-rate EWMA, in checks. */
  public static final int EWMA_SPAN = 20;

  /** Consecutive checks, failed or passed, that outweigh the trend: down now, or recovering now. */
  public static final int STREAK = 3;

  /** Copies the lists. */
  public HealthPrediction {
    patterns = List.copyOf(patterns);
    recommendations = List.copyOf(recommendations);
  }

  /** A predicted status. */
  public enum Status {
    /** Expected to work. */
    HEALTHY,
    /** Expected to work, slower or failing now and then. */
    DEGRADED,
    /** Expected to fail. */
    UNHEALTHY
  }

  /**
   * Failures that recur at one hour of day.
   *
   * @param hourOfDay the hour, 0-23, in {@code zone}
   * @param zone the time zone of the hour
   * @param failureRate share of failed checks in that hour, 0-1
   * @param days days with failures in that hour
   * @param daysObserved days with checks in that hour
   */
  public record RecurringPattern(int hourOfDay, ZoneId zone, double failureRate, int days, int daysObserved) {

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%02d:00-%02d:00 %s, %.0f%% failed, on %d of %d days", hourOfDay,
          (hourOfDay + 1) % 24, zone, failureRate * 100, days, daysObserved);
    }
  }

  /**
   * Predicts the status {@code horizon} after {@code now} from {@code history} (in any order),
   * reading hours of day in {@code zone}.
   */
  public static HealthPrediction predict(List<ProbeResult> history, Instant now, Duration horizon, ZoneId zone) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(horizon, "horizon");
    if (horizon.isNegative()) {
      throw new IllegalArgumentException("horizon must not be negative, was " + horizon);
    }
    List<ProbeResult> checks = new ArrayList<>(history);
    checks.sort(Comparator.comparing(ProbeResult::at));
    int n = checks.size();
    if (n < MIN_SAMPLES) {
      boolean up = n == 0 || checks.get(n - 1).healthy();
      return new HealthPrediction(up ? Status.HEALTHY : Status.UNHEALTHY, round(0.5 * n / MIN_SAMPLES), horizon,
          Duration.ZERO, n,
          0, 0, n == 0 ? Duration.ZERO : checks.get(n - 1).latency(), up ? 0 : 1, 0, up ? 0 : 1, List.of(),
          List.of("Too little history to predict (" + n + " checks, at least " + MIN_SAMPLES
              + " needed): the prediction repeats the last check."));
    }
    Instant origin = checks.get(0).at();
    Duration span = Duration.between(origin, checks.get(n - 1).at());
    Duration supported = horizon.compareTo(span) <= 0 ? horizon : span;
    double reach = horizon.isZero() ? 1.0 : Math.min(1.0, (double) span.toMillis() / horizon.toMillis());
    double nowHours = hours(origin, now);
    double atHorizon = nowHours + supported.toMillis() / 3_600_000.0;

    Line latency = Line.fit(checks.stream().filter(ProbeResult::healthy)
        .map(c -> new double[] {hours(origin, c.at()), c.latency().toNanos() / 1e6}).toList());
    double projectedMillis = Math.max(0, latency.at(atHorizon));
    double nowMillis = Math.max(0, latency.at(nowHours));
    double baselineMillis = olderMedianMillis(checks);

    double alpha = 2.0 / (EWMA_SPAN + 1);
    double ewma = checks.get(0).healthy() ? 0 : 1;
    for (ProbeResult check : checks) {
      ewma = alpha * (check.healthy() ? 0 : 1) + (1 - alpha) * ewma;
    }
    Line failures = Line.fit(checks.stream().map(c -> new double[] {hours(origin, c.at()), c.healthy() ? 0 : 1}).toList());
    double horizonHours = atHorizon - nowHours;
    int passing = passingStreak(checks);
    // Recent checks weigh over the trend: a line still rising from an outage that has ended
    // projects nothing once the dependency answers again.
    double trend = passing >= STREAK ? Math.min(0, failures.slope()) : failures.slope();
    double projectedFailures = clamp(ewma + trend * horizonHours);

    List<RecurringPattern> patterns = patterns(checks, zone);
    List<RecurringPattern> ahead = patterns.stream().filter(p -> within(p, now, horizon, zone)).toList();

    Verdict verdict = new Verdict();
    List<String> advice = new ArrayList<>();
    String in = human(horizon);
    if (reach < 1) {
      advice.add(String.format(Locale.ROOT, "The history covers %s: trends are projected %s ahead, not the %s asked,"
          + " and the confidence is scaled by %.2f. Ask again when more checks have run.", human(span), human(span), in,
          reach));
    }
    int streak = failingStreak(checks);
    if (streak >= STREAK) {
      verdict.raise(Status.UNHEALTHY, 0.9);
      advice.add(String.format(Locale.ROOT, "Down now: the last %d checks failed (since %s), last error: %s.", streak,
          checks.get(n - streak).at(), checks.get(n - 1).error()));
    }
    if (projectedFailures >= 0.5) {
      verdict.raise(Status.UNHEALTHY, 0.8);
    } else if (projectedFailures >= 0.1) {
      verdict.raise(Status.DEGRADED, 0.7);
    }
    if (trend > 0 && projectedFailures >= 0.1) {
      advice.add(String.format(Locale.ROOT, "Failure rate rising: %.0f%% now, about %.0f%% in %s. Expect the breaker "
          + "to open; check that the fallback is ready.", ewma * 100, projectedFailures * 100, human(supported)));
    } else if (passing >= STREAK && ewma >= 0.1) {
      advice.add(String.format(Locale.ROOT, "Recovering: the last %d checks passed; the failure rate of the recent"
          + " checks is down to %.0f%%.", passing, ewma * 100));
    } else if (failures.slope() < 0 && ewma < failuresShare(checks.subList(0, n / 2))) {
      advice.add(String.format(Locale.ROOT, "Recovering: failure rate down to %.0f%% from %.0f%% in the older half "
          + "of the history.", ewma * 100, failuresShare(checks.subList(0, n / 2)) * 100));
    }
    boolean latencyRising = latency.slope() > 0 && latency.fit() >= 0.5;
    boolean latencyDegrades = latencyRising && baselineMillis > 0 && projectedMillis >= 2 * baselineMillis;
    if (latencyDegrades) {
      verdict.raise(Status.DEGRADED, latency.fit());
    }
    if (latencyDegrades || (latencyRising && nowMillis > 0 && projectedMillis >= 1.1 * nowMillis)) {
      advice.add(String.format(Locale.ROOT, "Latency rises by %.1f ms per hour (fit R² %.2f): about %.0f ms now, "
          + "%.0f ms in %s. Look at the dependency's load, or review slowCallDurationThreshold before these count "
          + "as slow calls.", latency.slope(), latency.fit(), nowMillis, projectedMillis, human(supported)));
    }
    for (RecurringPattern pattern : patterns) {
      boolean soon = ahead.contains(pattern);
      if (soon) {
        verdict.raise(pattern.failureRate() >= 0.5 ? Status.UNHEALTHY : Status.DEGRADED,
            (double) pattern.days() / pattern.daysObserved());
      }
      advice.add(String.format(Locale.ROOT, "Failures recur between %02d:00 and %02d:00 (%s) on %d of %d days, "
          + "%.0f%% of checks then%s: a scheduled job or a daily peak? Schedule around it or add capacity.",
          pattern.hourOfDay(), (pattern.hourOfDay() + 1) % 24, zone, pattern.days(), pattern.daysObserved(),
          pattern.failureRate() * 100, soon ? ", and the next one is within " + in : ""));
    }
    if (verdict.status == Status.HEALTHY) {
      verdict.evidence = 1 - failuresShare(checks.subList(n / 2, n));
    }
    if (advice.isEmpty()) {
      advice.add("No action needed: healthy and stable.");
    }
    // A failing streak is seen, not projected: a short history does not make it less sure.
    boolean seen = streak >= STREAK && verdict.status == Status.UNHEALTHY && verdict.evidence == 0.9;
    double confidence = round(verdict.evidence * Math.min(1.0, n / 100.0) * (seen ? 1.0 : reach));
    return new HealthPrediction(verdict.status, confidence, horizon, supported, n, round(latency.slope()),
        round(latency.fit()),
        Duration.ofNanos(Math.round(projectedMillis * 1e6)), round(ewma), round(failures.slope()),
        round(projectedFailures), patterns, advice);
  }

  /** The worst status seen so far and the evidence for it. */
  private static final class Verdict {
    Status status = Status.HEALTHY;
    double evidence = 1.0;

    void raise(Status candidate, double strength) {
      if (candidate.compareTo(status) > 0) {
        status = candidate;
        evidence = strength;
      } else if (candidate == status) {
        evidence = Math.max(evidence, strength);
      }
    }
  }

  /** A least-squares line y = intercept + slope * x, and its R². */
  record Line(double intercept, double slope, double fit) {

    double at(double x) {
      return intercept + slope * x;
    }

    static Line fit(List<double[]> points) {
      int n = points.size();
      if (n < 2) {
        return new Line(n == 1 ? points.get(0)[1] : 0, 0, 0);
      }
      double mx = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
      double my = points.stream().mapToDouble(p -> p[1]).average().orElse(0);
      double sxx = 0;
      double sxy = 0;
      double syy = 0;
      for (double[] p : points) {
        sxx += (p[0] - mx) * (p[0] - mx);
        sxy += (p[0] - mx) * (p[1] - my);
        syy += (p[1] - my) * (p[1] - my);
      }
      if (sxx == 0) {
        return new Line(my, 0, 0);
      }
      double slope = sxy / sxx;
      double fit = syy == 0 ? 0 : (sxy * sxy) / (sxx * syy);
      return new Line(my - slope * mx, slope, fit);
    }
  }

  private static List<RecurringPattern> patterns(List<ProbeResult> checks, ZoneId zone) {
    double overall = failuresShare(checks);
    List<RecurringPattern> patterns = new ArrayList<>();
    for (int hour = 0; hour < 24; hour++) {
      int total = 0;
      int failed = 0;
      Set<LocalDate> days = new HashSet<>();
      Set<LocalDate> failingDays = new HashSet<>();
      for (ProbeResult check : checks) {
        ZonedDateTime local = check.at().atZone(zone);
        if (local.getHour() == hour) {
          total++;
          days.add(local.toLocalDate());
          if (!check.healthy()) {
            failed++;
            failingDays.add(local.toLocalDate());
          }
        }
      }
      double rate = total == 0 ? 0 : (double) failed / total;
      if (failingDays.size() >= 2 && rate >= 0.2 && rate >= 3 * overall) {
        patterns.add(new RecurringPattern(hour, zone, round(rate), failingDays.size(), days.size()));
      }
    }
    return patterns;
  }

  /** Whether the pattern's hour starts or is going on between now and now + horizon. */
  private static boolean within(RecurringPattern pattern, Instant now, Duration horizon, ZoneId zone) {
    ZonedDateTime start = now.atZone(zone);
    ZonedDateTime end = now.plus(horizon).atZone(zone);
    for (ZonedDateTime t = start.withMinute(0).withSecond(0).withNano(0); !t.isAfter(end); t = t.plusHours(1)) {
      if (t.getHour() == pattern.hourOfDay()) {
        return true;
      }
    }
    return false;
  }

  private static int passingStreak(List<ProbeResult> checks) {
    int streak = 0;
    for (int i = checks.size() - 1; i >= 0 && checks.get(i).healthy(); i--) {
      streak++;
    }
    return streak;
  }

  private static int failingStreak(List<ProbeResult> checks) {
    int streak = 0;
    for (int i = checks.size() - 1; i >= 0 && !checks.get(i).healthy(); i--) {
      streak++;
    }
    return streak;
  }

  private static double olderMedianMillis(List<ProbeResult> checks) {
    List<Double> older = checks.subList(0, checks.size() / 2).stream().filter(ProbeResult::healthy)
        .map(c -> c.latency().toNanos() / 1e6).sorted().toList();
    return older.isEmpty() ? 0 : older.get(older.size() / 2);
  }

  private static double failuresShare(List<ProbeResult> checks) {
    return checks.isEmpty() ? 0 : checks.stream().filter(c -> !c.healthy()).count() / (double) checks.size();
  }

  private static double hours(Instant origin, Instant at) {
    return Duration.between(origin, at).toMillis() / 3_600_000.0;
  }

  private static double clamp(double rate) {
    return Math.max(0, Math.min(1, rate));
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static String human(Duration duration) {
    if (duration.toHours() >= 1 && duration.toMinutesPart() == 0) {
      return duration.toHours() + " h";
    }
    return duration.toMinutes() >= 1 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
  }
}
