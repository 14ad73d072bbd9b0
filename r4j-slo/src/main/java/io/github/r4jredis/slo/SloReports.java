package io.github.r4jredis.slo;

import io.github.r4jredis.state.Health;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The views the query API returns besides a service's metrics and status. */
public final class SloReports {

  private SloReports() {}

  /** Which way a figure moves between the previous hour and the last one. */
  public enum Direction { IMPROVING, STABLE, DEGRADING }

  /**
   * One service's last hour against the hour before.
   *
   * @param service the service
   * @param requests calls in the last hour
   * @param previousRequests calls in the hour before
   * @param failureRate failure rate in the last hour, 0-1
   * @param previousFailureRate in the hour before
   * @param latencyP99 p99 latency in the last hour
   * @param previousLatencyP99 in the hour before
   * @param direction DEGRADING when the failure rate rose by 1 point or more, or the p99 by 20 %
   *     or more; IMPROVING for the opposite; STABLE otherwise
   */
  public record ServiceTrend(String service, long requests, long previousRequests, double failureRate,
      double previousFailureRate, Duration latencyP99, Duration previousLatencyP99, Direction direction) {}

  /**
   * Every service's trend.
   *
   * @param services by service name
   * @param at when
   */
  public record SystemTrends(Map<String, ServiceTrend> services, Instant at) {

    /** Copies the map. */
    public SystemTrends {
      services = Map.copyOf(services);
    }
  }

  /**
   * What a dashboard shows of one service.
   *
   * @param state its breaker's state on this node (the fleet's, for a shared breaker)
   * @param requestsLastHour calls in the last hour
   * @param failureRateLastHour 0-1
   * @param latencyP99LastHour p99 latency in the last hour
   * @param availability over the SLO window
   * @param errorBudgetRemaining over the SLO window
   * @param burnRate1h burn rate over the last hour
   * @param activeAlerts alerts firing
   */
  public record ServiceSummary(State state, long requestsLastHour, double failureRateLastHour,
      Duration latencyP99LastHour, double availability, double errorBudgetRemaining, double burnRate1h,
      int activeAlerts) {}

  /**
   * Everything a dashboard needs in one call.
   *
   * @param services by service name
   * @param requestsLastHour calls of every service in the last hour
   * @param servicesMeetingSlo services meeting every objective
   * @param activeAlerts every alert firing
   * @param at when
   */
  public record DashboardMetrics(Map<String, ServiceSummary> services, long requestsLastHour, int servicesMeetingSlo,
      List<SloAlert> activeAlerts, Instant at) {

    /** Copies the collections. */
    public DashboardMetrics {
      services = Map.copyOf(services);
      activeAlerts = List.copyOf(activeAlerts);
    }
  }

  /**
   * The health the SLOs give: from the alerts firing.
   *
   * @param health the verdict: {@code CRITICAL} when a critical alert fires, {@code DEGRADED} when
   *     only warnings do, {@code HEALTHY} when none fires
   * @param reasons the firing alerts' messages
   * @param at when
   */
  public record HealthStatus(Health health, List<String> reasons, Instant at) {

    /** Copies the list. */
    public HealthStatus {
      reasons = List.copyOf(reasons);
    }
  }
}
