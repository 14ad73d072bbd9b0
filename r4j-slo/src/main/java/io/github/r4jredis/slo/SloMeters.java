package io.github.r4jredis.slo;

import static io.micrometer.core.instrument.Meter.Type.COUNTER;
import static io.micrometer.core.instrument.Meter.Type.GAUGE;

import io.github.r4jredis.state.DocumentedMeter;

/**
 * The meters of r4j-slo; listed in {@code docs/slo.md} ("Meters"). Each carries the service's
 * name as the {@code service} tag. The gauges show the last evaluation (NaN before the first).
 */
public enum SloMeters implements DocumentedMeter {
  /** Calls seen by this node, by outcome (sum over the fleet's nodes for rates). */
  CALLS(DocumentedMeter.of("r4jredis.slo.calls", COUNTER,
      "Calls seen by this node, by outcome (sum over the fleet's nodes for rates)", "service", "outcome")),
  /** Calls slower than the breaker's slow-call threshold, on this node. */
  SLOW_CALLS(DocumentedMeter.of("r4jredis.slo.slow.calls", COUNTER,
      "Calls slower than the breaker's slow-call threshold, on this node", "service")),
  /** Fleet totals in Redis that were not numbers, reset. */
  REPAIRS(DocumentedMeter.of("r4jredis.slo.repairs", COUNTER,
      "Fleet totals in Redis that were not numbers, reset", "service")),
  /** Share of successful calls over the SLO window, fleet-wide. */
  AVAILABILITY(DocumentedMeter.of("r4jredis.slo.availability", GAUGE,
      "Share of successful calls over the SLO window, fleet-wide", "service")),
  /** The availability objective. */
  AVAILABILITY_TARGET(DocumentedMeter.of("r4jredis.slo.availability.target", GAUGE,
      "The availability objective", "service")),
  /** Share of the SLO window's error budget left. */
  ERROR_BUDGET_REMAINING(DocumentedMeter.of("r4jredis.slo.error.budget.remaining", GAUGE,
      "Share of the SLO window's error budget left", "service")),
  /** How many times faster than sustainable the error budget burns, per window (5m, 30m, 1h, 6h). */
  BURN_RATE(DocumentedMeter.of("r4jredis.slo.burn.rate", GAUGE,
      "How many times faster than sustainable the error budget burns", "service", "window")),
  /** Latency over the last hour, fleet-wide, by quantile (0.5, 0.95, 0.99). */
  LATENCY(DocumentedMeter.of("r4jredis.slo.latency", GAUGE,
      "Latency over the last hour, fleet-wide", "service", "quantile").in("seconds")),
  /** The latency objective's threshold. */
  LATENCY_THRESHOLD(DocumentedMeter.of("r4jredis.slo.latency.threshold", GAUGE,
      "The latency objective's threshold", "service").in("seconds")),
  /** Time from opening to closing again ({@code stat}: mean, max). */
  RECOVERY_TIME(DocumentedMeter.of("r4jredis.slo.recovery.time", GAUGE,
      "Time from opening to closing again", "service", "stat").in("seconds")),
  /** 1 when the objective (availability, latency, recovery) is met. */
  OBJECTIVE_MET(DocumentedMeter.of("r4jredis.slo.objective.met", GAUGE,
      "1 when the objective is met", "service", "objective")),
  /** State transitions in the last hour, fleet-wide. */
  TRANSITIONS(DocumentedMeter.of("r4jredis.slo.transitions", GAUGE,
      "State transitions in the last hour, fleet-wide", "service")),
  /** Time in each state in the last hour. */
  TIME_IN_STATE(DocumentedMeter.of("r4jredis.slo.time.in.state", GAUGE,
      "Time in each state in the last hour", "service", "state").in("seconds")),
  /** Alerts firing for the service. */
  ALERTS_ACTIVE(DocumentedMeter.of("r4jredis.slo.alerts.active", GAUGE, "Alerts firing for the service", "service"));

  private final Declaration declaration;

  SloMeters(Declaration declaration) {
    this.declaration = declaration;
  }

  @Override
  public Declaration declaration() {
    return declaration;
  }
}
