package io.github.r4jredis.slo;

import io.github.r4jredis.slo.internal.RedisSloMonitor;
import io.github.r4jredis.state.Bounds;
import io.github.r4jredis.state.FleetComponentBuilder;
import io.github.r4jredis.state.RedisClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.redisson.api.RedissonClient;

/**
 * Service level objectives evaluated from Resilience4j events, fleet-wide. Each node counts the
 * calls of the breakers bound to it in memory (the call path does nothing else) and adds them to
 * the fleet's totals in Redis every {@code flushInterval}; every {@code evaluationInterval} it
 * evaluates the objectives, burn rates and alerts from the fleet's totals.
 *
 * <pre>{@code
 * SloMonitor slo = SloMonitor.builder(redisson)
 *     .definition("calcom", SloDefinition.ofDefaults().withAvailability(0.995))
 *     .alertListener(alert -> pager.send(alert))
 *     .build()
 *     .bindAll(registry);                   // every breaker, also ones created later
 * slo.getSloMetrics("calcom").errorBudgetRemaining();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} flushes what is pending and stops.
 */
public interface SloMonitor extends AutoCloseable {

  /** A builder of a monitor keeping the fleet's figures through {@code redisson}. */
  static Builder builder(RedissonClient redisson) {
    return new Builder(redisson);
  }

  /** Receives alerts as they fire and resolve. Exceptions are logged and ignored. */
  @FunctionalInterface
  interface AlertListener {
    /** Called once per alert firing and once per alert resolving, fleet-wide. */
    void onAlert(SloAlert alert);
  }

  /**
   * Records the calls of {@code breaker} under its name. Returns this monitor.
   *
   * @throws IllegalStateException when a breaker of that name is bound already
   */
  SloMonitor bind(CircuitBreaker breaker);

  /** Binds every breaker of {@code registry}, now and as they are added. Returns this monitor. */
  SloMonitor bindAll(CircuitBreakerRegistry registry);

  /** The services bound on this node. */
  Set<String> services();

  /**
   * The fleet's figures of a service over the last hour.
   *
   * @throws IllegalArgumentException for a service not bound
   * @throws SloStoreException when Redis does not answer
   */
  ServiceMetrics getMetrics(String service);

  /**
   * The fleet's figures of a service over {@code window} (at most its SLO window): minute
   * precision up to 6 h, hour precision beyond.
   *
   * @throws IllegalArgumentException for a service not bound or a window out of range
   * @throws SloStoreException when Redis does not answer
   */
  ServiceMetrics getMetrics(String service, Duration window);

  /**
   * Where a service stands against its objectives now.
   *
   * @throws IllegalArgumentException for a service not bound
   * @throws SloStoreException when Redis does not answer
   */
  SloStatus getSloMetrics(String service);

  /**
   * Each service's last hour against the hour before.
   *
   * @throws SloStoreException when Redis does not answer
   */
  SloReports.SystemTrends getSystemTrends();

  /**
   * What a dashboard shows, every service in one call.
   *
   * @throws SloStoreException when Redis does not answer
   */
  SloReports.DashboardMetrics getDashboardMetrics();

  /** The health the alerts give: CRITICAL when a critical one fires, DEGRADED for a warning. */
  SloReports.HealthStatus getHealthStatus();

  /** The alerts firing now, fleet-wide (this node's when Redis is unreachable). */
  List<SloAlert> activeAlerts();

  /**
   * Adds this node's pending counts to the fleet's totals now. Counts that cannot be written stay
   * pending for the next flush: none is lost.
   *
   * @throws SloStoreException when Redis does not answer
   */
  void flush();

  /**
   * Evaluates every objective and alert now, and refreshes the gauges.
   *
   * @throws SloStoreException when Redis does not answer
   */
  void evaluate();

  /** Flushes what is pending (if Redis answers) and stops. Idempotent. */
  @Override
  void close();

  /**
   * Settings of a monitor. Not thread-safe. Beside its own: the key prefix, the breakers'; the node
   * id, this node's in the counts it flushes; the clock of buckets, windows and alerts, by default
   * the fleet's ({@link RedisClock}: Redis {@code TIME}), so that every node counts a request in the
   * same minute whatever its own clock says; and where the {@code r4jredis.slo.*} meters go (see
   * {@link FleetComponentBuilder}).
   */
  final class Builder extends FleetComponentBuilder<Builder> {

    /** Default interval of the flushes of this node's counts. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** Default interval of the evaluations. */
    public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);
    /** Default time a breaker may stay out of CLOSED before the BREAKER_OPEN alert. */
    public static final Duration DEFAULT_OPEN_ALERT_AFTER = Duration.ofMinutes(2);
    /** Default fewest calls in a window for its latency and availability alerts. */
    public static final int DEFAULT_MIN_REQUESTS = 10;

    private final RedissonClient redisson;
    private SloDefinition defaultDefinition = SloDefinition.ofDefaults();
    private final Map<String, SloDefinition> definitions = new HashMap<>();
    private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    private Duration evaluationInterval = DEFAULT_EVALUATION_INTERVAL;
    private Duration openAlertAfter = DEFAULT_OPEN_ALERT_AFTER;
    private int minRequests = DEFAULT_MIN_REQUESTS;
    private boolean notPermittedIsFailure = true;
    private final List<AlertListener> listeners = new ArrayList<>();
    private Supplier<List<String>> cascades = List::of;

    private Builder(RedissonClient redisson) {
      this.redisson = Objects.requireNonNull(redisson, "redisson");
    }

    /** The objectives of services without their own. Default {@link SloDefinition#ofDefaults()}. */
    public Builder defaultDefinition(SloDefinition definition) {
      this.defaultDefinition = Objects.requireNonNull(definition, "definition");
      return this;
    }

    /** The objectives of one service. */
    public Builder definition(String service, SloDefinition definition) {
      definitions.put(Objects.requireNonNull(service, "service"), Objects.requireNonNull(definition, "definition"));
      return this;
    }

    /** Interval of the flushes of this node's counts to Redis; zero for none (call {@code flush()}). Default 1 s. */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = requireInterval("flushInterval", interval);
      return this;
    }

    /** Interval of the evaluations; zero for none (call {@code evaluate()}). Default 15 s. */
    public Builder evaluationInterval(Duration interval) {
      this.evaluationInterval = requireInterval("evaluationInterval", interval);
      return this;
    }

    /** How long a breaker may stay out of CLOSED before the BREAKER_OPEN alert fires. Default 2 min. */
    public Builder openAlertAfter(Duration duration) {
      this.openAlertAfter = Bounds.notNegative("openAlertAfter", duration);
      return this;
    }

    /** Fewest calls in a window for its latency and availability alerts to fire, at least 1. Default 10. */
    public Builder minRequests(int minRequests) {
      this.minRequests = Bounds.atLeast("minRequests", minRequests, 1);
      return this;
    }

    /**
     * Whether calls the open breaker rejected count against availability: the user did not get
     * an answer from the service. Default true.
     */
    public Builder notPermittedIsFailure(boolean notPermittedIsFailure) {
      this.notPermittedIsFailure = notPermittedIsFailure;
      return this;
    }

    /** Receives the alerts. */
    public Builder alertListener(AlertListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Where cascades come from, one sentence each (with r4j-health:
     * {@code () -> detector.detectCascadingFailures().stream().map(Object::toString).toList()}).
     * Default: none.
     */
    public Builder cascades(Supplier<List<String>> cascades) {
      this.cascades = Objects.requireNonNull(cascades, "cascades");
      return this;
    }

    /** Builds the monitor and starts its flushes and evaluations. */
    public SloMonitor build() {
      return new RedisSloMonitor(redisson, keyPrefix, nodeId, defaultDefinition, Map.copyOf(definitions),
          flushInterval, evaluationInterval, openAlertAfter, minRequests, notPermittedIsFailure, List.copyOf(listeners),
          cascades, clockOr(redisson), meterRegistry);
    }

    private static Duration requireInterval(String what, Duration interval) {
      Objects.requireNonNull(interval, what);
      if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 10)) {
        throw new IllegalArgumentException(what + " must be zero or at least 10 ms, was " + interval);
      }
      return interval;
    }
  }
}
