package io.github.r4jredis.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One health check of one service.
 *
 * @param service the service probed
 * @param healthy whether the check passed
 * @param latency how long the check took (up to the timeout for a check that was cut off)
 * @param at when the check started
 * @param node the node that ran it (with fleet-coordinated probing, one node probes for all)
 * @param error why it failed; empty when healthy
 */
public record ProbeResult(String service, boolean healthy, Duration latency, Instant at, String node, String error) {

  /** Checks the parts. */
  public ProbeResult {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(error, "error");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative, was " + latency);
    }
  }

  /** A passed check. */
  public static ProbeResult up(String service, Duration latency, Instant at, String node) {
    return new ProbeResult(service, true, latency, at, node, "");
  }

  /** A failed check and why. */
  public static ProbeResult down(String service, Duration latency, Instant at, String node, String error) {
    return new ProbeResult(service, false, latency, at, node, error);
  }
}
