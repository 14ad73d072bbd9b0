package io.github.r4jredis.slo;

import java.time.Instant;

/**
 * An alert about a service, when it fires and when it resolves. Each alert fires once and
 * resolves once for the whole fleet: the node that first sees it announces it.
 *
 * @param type what it is about
 * @param service the service; {@code *} for a cascade
 * @param severity {@code critical} (page) or {@code warning} (ticket)
 * @param firing true when it fires, false when it resolves
 * @param message what happened, in a sentence
 * @param value the value that crossed the threshold (when it fired)
 * @param threshold the threshold
 * @param at when
 */
public record SloAlert(Type type, String service, String severity, boolean firing, String message, double value,
    double threshold, Instant at) {

  /** What an alert is about. */
  public enum Type {
    /** The breaker has not closed for longer than the configured time (default 2 min). Critical. */
    BREAKER_OPEN,
    /** The latency percentile of the last 5 minutes is over the objective's threshold. Warning. */
    LATENCY,
    /** Availability over the SLO window is below its target. Warning. */
    AVAILABILITY,
    /** Burn rate of at least 14.4 over 1 h and over 5 min: 2 % of a 30-day budget in an hour. Critical. */
    FAST_BURN,
    /** Burn rate of at least 6 over 6 h and over 30 min: 5 % of a 30-day budget in 6 hours. Warning. */
    SLOW_BURN,
    /** A failure drags down services that depend on it. Warning. */
    CASCADE
  }

  /** The key an alert is de-duplicated by. */
  public String key() {
    return type + "|" + service;
  }
}
