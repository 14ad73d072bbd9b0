package io.github.r4jredis.slo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where a service stands against its objectives, fleet-wide.
 *
 * @param service the service
 * @param definition its objectives
 * @param requests calls in the SLO window
 * @param availability share of successful calls in the SLO window (1 without calls)
 * @param availabilityMet whether it meets its target
 * @param errorBudgetRemaining share of the window's error budget left: 1 untouched, 0 spent,
 *     negative overspent
 * @param burnRates burn rate per alerting window: {@code 5m}, {@code 30m}, {@code 1h}, {@code 6h}
 * @param latency the latency percentile of the objective over the SLO window
 * @param latencyCompliance share of calls within the latency threshold over the SLO window
 * @param latencyMet whether that share reaches the objective's percentile
 * @param meanRecovery mean time from opening to closing again, in the SLO window
 * @param maxRecovery the longest
 * @param recoveryMet whether every recovery in the window met the recovery target
 * @param activeAlerts alerts firing for this service now
 * @param at when it was evaluated
 */
public record SloStatus(String service, SloDefinition definition, long requests, double availability,
    boolean availabilityMet, double errorBudgetRemaining, Map<String, Double> burnRates, Duration latency,
    double latencyCompliance, boolean latencyMet, Duration meanRecovery, Duration maxRecovery, boolean recoveryMet,
    List<SloAlert> activeAlerts, Instant at) {

  /** Copies the collections. */
  public SloStatus {
    burnRates = Map.copyOf(burnRates);
    activeAlerts = List.copyOf(activeAlerts);
  }

  /** Whether every objective is met. */
  public boolean isMet() {
    return availabilityMet && latencyMet && recoveryMet;
  }
}
