package io.github.r4jredis.slo.internal;

import io.github.r4jredis.slo.ServiceMetrics;
import io.github.r4jredis.slo.SloDefinition;
import io.github.r4jredis.slo.SloMeters;
import io.github.r4jredis.slo.SloStatus;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The meters of the services an SLO monitor follows, as {@link SloMeters} declares them: this
 * node's counts, read from each service's {@link Recorder}, and gauges of the service's last
 * evaluation, which a scrape reads without waiting for Redis. Thread-safe.
 */
final class SloGauges {

  /** The outcome of one evaluation of a service: what the gauges show. */
  record Evaluation(SloStatus status, ServiceMetrics lastHour) {}

  private final MeterRegistry meters;
  private final Map<String, AtomicReference<Evaluation>> evaluations = new ConcurrentHashMap<>();

  SloGauges(MeterRegistry meters) {
    this.meters = meters;
  }

  /** The gauges of {@code service} show {@code evaluation} from now on. */
  void show(String service, Evaluation evaluation) {
    // computeIfAbsent: an evaluation may come between a breaker's binding and its meters'
    evaluations.computeIfAbsent(service, s -> new AtomicReference<>()).set(evaluation);
  }

  /** Registered with the service's other meters: a dashboard or alert sees 0 before the first repair. */
  Counter repairs(String service) {
    return Counter.builder(SloMeters.REPAIRS.getName()).description(SloMeters.REPAIRS.description())
        .tag("service", service).register(meters);
  }

  /** Registers the meters of a service just bound, with {@code definition}, its SLO. */
  void register(Recorder recorder, SloDefinition definition) {
    String service = recorder.service();
    Tags tags = Tags.of("service", service);
    repairs(service);
    AtomicReference<Evaluation> last = evaluations.computeIfAbsent(service, s -> new AtomicReference<>());
    outcome(tags, "success", recorder.successes);
    outcome(tags, "failure", recorder.failures);
    outcome(tags, "not_permitted", recorder.notPermitted);
    outcome(tags, "ignored", recorder.ignored);
    FunctionCounter.builder(SloMeters.SLOW_CALLS.getName(), recorder.slow, a -> a.sum())
        .description(SloMeters.SLOW_CALLS.description()).tags(tags).register(meters);
    gauge(last, tags, SloMeters.AVAILABILITY, e -> e.status().availability());
    gauge(last, tags, SloMeters.AVAILABILITY_TARGET, e -> e.status().definition().availabilityTarget());
    gauge(last, tags, SloMeters.ERROR_BUDGET_REMAINING, e -> e.status().errorBudgetRemaining());
    for (String window : RedisSloMonitor.BURN_WINDOWS.keySet()) {
      gauge(last, tags.and("window", window), SloMeters.BURN_RATE,
          e -> e.status().burnRates().getOrDefault(window, 0.0));
    }
    gauge(last, tags.and("quantile", "0.5"), SloMeters.LATENCY, e -> seconds(e.lastHour().latencyP50()));
    gauge(last, tags.and("quantile", "0.95"), SloMeters.LATENCY, e -> seconds(e.lastHour().latencyP95()));
    gauge(last, tags.and("quantile", "0.99"), SloMeters.LATENCY, e -> seconds(e.lastHour().latencyP99()));
    Gauge.builder(SloMeters.LATENCY_THRESHOLD.getName(), definition, d -> seconds(d.latencyThreshold()))
        .description(SloMeters.LATENCY_THRESHOLD.description()).baseUnit(SloMeters.LATENCY_THRESHOLD.getBaseUnit())
        .tags(tags).strongReference(true).register(meters);
    gauge(last, tags.and("stat", "mean"), SloMeters.RECOVERY_TIME, e -> seconds(e.status().meanRecovery()));
    gauge(last, tags.and("stat", "max"), SloMeters.RECOVERY_TIME, e -> seconds(e.status().maxRecovery()));
    gauge(last, tags.and("objective", "availability"), SloMeters.OBJECTIVE_MET,
        e -> e.status().availabilityMet() ? 1 : 0);
    gauge(last, tags.and("objective", "latency"), SloMeters.OBJECTIVE_MET, e -> e.status().latencyMet() ? 1 : 0);
    gauge(last, tags.and("objective", "recovery"), SloMeters.OBJECTIVE_MET, e -> e.status().recoveryMet() ? 1 : 0);
    gauge(last, tags, SloMeters.TRANSITIONS, e -> e.lastHour().transitions());
    for (State state : State.values()) {
      gauge(last, tags.and("state", state.name().toLowerCase(Locale.ROOT)), SloMeters.TIME_IN_STATE,
          e -> seconds(e.lastHour().timeInState().getOrDefault(state, Duration.ZERO)));
    }
    gauge(last, tags, SloMeters.ALERTS_ACTIVE, e -> e.status().activeAlerts().size());
  }

  private void outcome(Tags tags, String outcome, LongAdder adder) {
    FunctionCounter.builder(SloMeters.CALLS.getName(), adder, a -> a.sum())
        .description(SloMeters.CALLS.description())
        .tags(tags).tag("outcome", outcome).register(meters);
  }

  /** A gauge of the last evaluation: NaN before the first. */
  private void gauge(AtomicReference<Evaluation> last, Tags tags, SloMeters meter, ToDoubleFunction<Evaluation> value) {
    Gauge.builder(meter.getName(), last, ref -> ref.get() == null ? Double.NaN : value.applyAsDouble(ref.get()))
        .description(meter.description()).baseUnit(meter.getBaseUnit()).tags(tags).strongReference(true)
        .register(meters);
  }

  static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
