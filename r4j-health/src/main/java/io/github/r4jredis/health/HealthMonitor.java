package io.github.r4jredis.health;

import io.github.r4jredis.health.internal.RedisHealthMonitor;
import io.github.r4jredis.state.Bounds;
import io.github.r4jredis.state.FleetComponentBuilder;
import io.github.r4jredis.state.RedisClock;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * Runs health probes for a whole fleet: in each interval only one node checks a service (it
 * holds a lease in Redis), stores the result in Redis, and every node reads it. A fleet of 100
 * servers sends one health check per interval, not 100. When Redis is unreachable each node
 * checks on its own, so health checks never stop.
 *
 * <pre>{@code
 * HealthMonitor health = HealthMonitor.builder(redisson)
 *     .probe(Probe.http("calcom", URI.create("https://api.cal.com/health")))
 *     .probe(Probe.jdbc("database", dataSource))
 *     .circuitBreakerRegistry(registry)          // only for probes with actions
 *     .build();                                  // starts probing
 * health.statistics("calcom").uptimePercent();
 * health.predict("calcom", Duration.ofHours(1)).recommendations();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the probes; the history stays in Redis for its retention.
 */
public interface HealthMonitor extends AutoCloseable {

  /** A builder of a monitor storing its results through {@code redisson}. */
  static Builder builder(RedissonClient redisson) {
    return new Builder(redisson);
  }

  /** The id this node probes and stores results under. */
  String nodeId();

  /** The services probed. */
  Set<String> services();

  /** The probe of a service. */
  Probe probe(String service);

  /** The most recent check of a service by any node; empty before the first. */
  Optional<ProbeResult> latest(String service);

  /** Whether the most recent check passed; true before the first check. */
  boolean isHealthy(String service);

  /** The checks of a service within the retention, oldest first, by every node. */
  List<ProbeResult> history(String service);

  /**
   * The checks of a service in the last {@code window}, oldest first, by every node.
   *
   * @throws IllegalArgumentException when {@code window} is not positive
   */
  List<ProbeResult> history(String service, Duration window);

  /** Uptime, latency, time to recover and trend over the history. */
  HealthStatistics statistics(String service);

  /** Where the service is heading {@code horizon} from now. */
  HealthPrediction predict(String service, Duration horizon);

  /**
   * Checks a service now, on this node, whoever holds the lease, and stores the result.
   *
   * @throws IllegalArgumentException for a service without a probe
   */
  ProbeResult probeNow(String service);

  /**
   * Checks every service now, on this node, one after the other (each bounded by its probe's
   * timeout), and stores the results: what a person asks for after a deploy or an incident.
   */
  Map<String, ProbeResult> probeAllNow();

  /** Stops probing. Idempotent. */
  @Override
  void close();

  /**
   * Settings of a monitor. Not thread-safe. Beside its own: the key prefix, the breakers'; the node
   * id, this node's in results and leases; the clock of result times and retention, by default the
   * fleet's ({@link RedisClock}: Redis {@code TIME}), so that results of nodes whose clocks disagree
   * are in the order they happened; and where the {@code r4jredis.health.*} meters go (see
   * {@link FleetComponentBuilder}).
   */
  final class Builder extends FleetComponentBuilder<Builder> {

    /** Default time a check is kept. */
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofHours(24);

    /** Default most checks kept per service. */
    public static final int DEFAULT_MAX_HISTORY = 10_000;

    /** Default spread of the intervals, as a share of each. */
    public static final double DEFAULT_JITTER = 0.1;

    private final RedissonClient redisson;
    private final Map<String, Probe> probes = new LinkedHashMap<>();
    private @Nullable CircuitBreakerRegistry circuitBreakerRegistry;
    private Duration historyRetention = DEFAULT_HISTORY_RETENTION;
    private int maxHistory = DEFAULT_MAX_HISTORY;
    private double jitter = DEFAULT_JITTER;
    private ZoneId zone = ZoneOffset.UTC;

    private Builder(RedissonClient redisson) {
      this.redisson = Objects.requireNonNull(redisson, "redisson");
    }

    /**
     * A service to probe.
     *
     * @throws IllegalArgumentException when the service already has a probe
     */
    public Builder probe(Probe probe) {
      Objects.requireNonNull(probe, "probe");
      if (probes.putIfAbsent(probe.service(), probe) != null) {
        throw new IllegalArgumentException("service '" + probe.service() + "' already has a probe");
      }
      return this;
    }

    /** Where the breakers of probes with actions come from. */
    public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
      this.circuitBreakerRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** How long a check is kept, at least 1 s. Default 24 h. */
    public Builder historyRetention(Duration retention) {
      this.historyRetention = Bounds.atLeast("historyRetention", retention, Duration.ofSeconds(1));
      return this;
    }

    /** Most checks kept per service, 10-1,000,000. Default 10,000. */
    public Builder maxHistory(int maxHistory) {
      this.maxHistory = Bounds.within("maxHistory", maxHistory, 10, 1_000_000);
      return this;
    }

    /** Spread of each interval, in [0, 0.5): 0.1 draws each within ±10 %. Default 0.1. */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter < 0.5)) {
        throw new IllegalArgumentException("jitter must be in [0,0.5), was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /** The zone in which predictions read hours of day. Default UTC. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * Builds the monitor and starts probing.
     *
     * @throws IllegalStateException when a timeout exceeds its interval, or probes have actions
     *     and no circuit breaker registry was given
     */
    public HealthMonitor build() {
      List<String> problems = new ArrayList<>();
      for (Probe probe : probes.values()) {
        if (probe.timeout().compareTo(probe.interval()) > 0) {
          problems.add("the timeout (" + probe.timeout() + ") of probe " + probe.service()
              + " must not exceed its interval (" + probe.interval() + ")");
        }
        if (probe.hasActions() && circuitBreakerRegistry == null) {
          problems.add("probe " + probe.service() + " acts on breaker " + probe.breakerName()
              + ": give a circuitBreakerRegistry");
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException(String.join("; ", problems));
      }
      return new RedisHealthMonitor(redisson, keyPrefix, nodeId, List.copyOf(probes.values()), circuitBreakerRegistry,
          historyRetention, maxHistory, jitter, zone, clockOr(redisson), meterRegistry);
    }
  }
}
