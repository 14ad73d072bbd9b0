package io.github.r4jredis.health;

import static io.micrometer.core.instrument.Meter.Type.COUNTER;
import static io.micrometer.core.instrument.Meter.Type.GAUGE;
import static io.micrometer.core.instrument.Meter.Type.TIMER;

import io.github.r4jredis.state.DocumentedMeter;

/**
 * The meters of r4j-health; listed in {@code docs/health.md} ("Meters"). A service's meters carry
 * its name as the {@code service} tag.
 */
public enum HealthMeters implements DocumentedMeter {
  /** Latency of the health checks this node ran. */
  PROBE_LATENCY(DocumentedMeter.of("r4jredis.health.probe.latency", TIMER,
      "Latency of the health checks this node ran", "service")),
  /** Health checks this node ran, by outcome ({@code up}, {@code down}). */
  PROBE_CHECKS(DocumentedMeter.of("r4jredis.health.probe.checks", COUNTER,
      "Health checks this node ran, by outcome", "service", "outcome")),
  /** 1 when the service's last check (by any node) passed, 0 when it failed. */
  PROBE_UP(DocumentedMeter.of("r4jredis.health.probe.up", GAUGE,
      "1 when the service's last check (by any node) passed, 0 when it failed", "service")),
  /** Percentage of passed checks in the service's history. */
  UPTIME(DocumentedMeter.of("r4jredis.health.uptime", GAUGE,
      "Percentage of passed checks in the service's history", "service")),
  /** Services impacted by an open breaker of something they call. */
  CASCADES(DocumentedMeter.of("r4jredis.health.cascades", GAUGE,
      "Services impacted by an open breaker of something they call")),
  /** Calls failed fast because a service they need is down. */
  CASCADE_REJECTED(DocumentedMeter.of("r4jredis.health.cascade.rejected", COUNTER,
      "Calls failed fast because a service they need is down", "service")),
  /** Health of the system: 0 HEALTHY, 1 DEGRADED, 2 CRITICAL. */
  SYSTEM(DocumentedMeter.of("r4jredis.health.system", GAUGE,
      "Health of the system: 0 HEALTHY, 1 DEGRADED, 2 CRITICAL (as last judged)")),
  /** Snapshot entries and fields in Redis that could not be read (tampered or foreign), skipped. */
  UNREADABLE(DocumentedMeter.of("r4jredis.health.unreadable", COUNTER,
      "Snapshot entries and fields in Redis that could not be read (tampered or foreign), skipped", "key"));

  private final Declaration declaration;

  HealthMeters(Declaration declaration) {
    this.declaration = declaration;
  }

  @Override
  public Declaration declaration() {
    return declaration;
  }
}
