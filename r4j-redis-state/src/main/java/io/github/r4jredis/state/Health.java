package io.github.r4jredis.state;

/**
 * One scale for the library's verdicts on health now. The health module's system verdict
 * ({@code StateOverview.SystemHealth}) and the SLO module's ({@code SloReports.HealthStatus}) both
 * use it, and {@code GET /api/health/status} shows the two side by side; each says what makes it
 * give which level. (A prediction, r4j-health's {@code HealthPrediction.Status}, is a scale of
 * what is expected, with UNHEALTHY for "expected to fail", and stays its own.)
 */
public enum Health {
  /** Nothing is wrong. */
  HEALTHY,
  /** Something fails or recovers, and the service goes on. */
  DEGRADED,
  /** A critical part is down, or a critical alert fires. */
  CRITICAL
}
