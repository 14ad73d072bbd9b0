package io.github.r4jredis.spring;

import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.slo.SloReports;
import io.github.r4jredis.slo.SloStatus;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/r4jslo}: the fleet's SLOs, error budgets and alerts, and
 * {@code /actuator/r4jslo/{service}} for one service.
 */
@Endpoint(id = "r4jslo")
public class R4jSloEndpoint {

  private final SloMonitor monitor;

  public R4jSloEndpoint(SloMonitor monitor) {
    this.monitor = monitor;
  }

  /** Every service's summary, the active alerts and the health they give. */
  @ReadOperation
  public SloReports.DashboardMetrics dashboard() {
    return monitor.getDashboardMetrics();
  }

  /** One service's objectives, budget and burn rates. */
  @ReadOperation
  public SloStatus service(@Selector String service) {
    return monitor.getSloMetrics(service);
  }
}
