package io.github.r4jredis.state;

/**
 * One scale of health for the whole library. The health module's system verdict
 * ({@code StateOverview.SystemHealth}) and the SLO module's ({@code SloReports.HealthStatus}) both
 * use it, and {@code GET /api/health/status} shows the two side by side; each says what makes it
 * give which level.
 */
public enum Health {
  /** Nothing is wrong. */
  HEALTHY,
  /** Something fails or recovers, and the service goes on. */
  DEGRADED,
  /** A critical part is down, or a critical alert fires. */
  CRITICAL
}
