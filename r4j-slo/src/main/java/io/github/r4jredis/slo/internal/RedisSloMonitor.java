package io.github.r4jredis.slo.internal;

import io.github.r4jredis.slo.ServiceMetrics;
import io.github.r4jredis.slo.SloAlert.Type;
import io.github.r4jredis.slo.SloAlert;
import io.github.r4jredis.slo.SloDefinition;
import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.slo.SloReports.Direction;
import io.github.r4jredis.slo.SloReports;
import io.github.r4jredis.slo.SloStatus;
import io.github.r4jredis.slo.SloStoreException;
import io.github.r4jredis.state.Health;
import io.github.r4jredis.state.OutageLog;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SloMonitor} whose figures live in Redis ({@link FleetStore}): it binds breakers, flushes
 * their counts and computes each service's figures; {@link SloGauges} shows them and
 * {@link AlertBook} fires and resolves the alerts they call for. Flushes and evaluations run on one
 * scheduler thread; the call path only touches {@link Recorder}'s adders.
 *
 * <p>Thread-safe: recorders in a concurrent map, flushes serialised by {@code flushLock}.
 */
public final class RedisSloMonitor implements SloMonitor {

  private static final Logger LOG = LoggerFactory.getLogger(RedisSloMonitor.class);
  /** The burn-rate windows of the SRE workbook's multi-window alerts. */
  static final Map<String, Duration> BURN_WINDOWS = burnWindows();
  static final double FAST_BURN = 14.4;
  static final double SLOW_BURN = 6.0;

  private final FleetStore store;
  private final String nodeId;
  private final SloDefinition defaultDefinition;
  private final Map<String, SloDefinition> definitions;
  private final Duration openAlertAfter;
  private final int minRequests;
  private final boolean notPermittedIsFailure;
  private final Supplier<List<String>> cascades;
  private final Clock clock;
  private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
  private final SloGauges gauges;
  private final AlertBook alerts;
  private final Object flushLock = new Object();
  private final OutageLog outages = new OutageLog(LOG, "SLO monitor reaches Redis again");
  private final ScheduledExecutorService scheduler;

  /** Use {@link SloMonitor#builder}. */
  public RedisSloMonitor(RedissonClient redisson, String prefix, String nodeId, SloDefinition defaultDefinition,
      Map<String, SloDefinition> definitions, Duration flushInterval, Duration evaluationInterval,
      Duration openAlertAfter, int minRequests, boolean notPermittedIsFailure, List<AlertListener> listeners,
      Supplier<List<String>> cascades, Clock clock, MeterRegistry meters) {
    this.store = new FleetStore(redisson, prefix);
    this.nodeId = nodeId;
    this.defaultDefinition = defaultDefinition;
    this.definitions = definitions;
    this.openAlertAfter = openAlertAfter;
    this.minRequests = minRequests;
    this.notPermittedIsFailure = notPermittedIsFailure;
    this.cascades = cascades;
    this.clock = clock;
    this.gauges = new SloGauges(meters);
    this.alerts = new AlertBook(store, listeners);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "r4j-slo");
      thread.setDaemon(true);
      return thread;
    });
    if (!flushInterval.isZero()) {
      scheduler.scheduleWithFixedDelay(() -> quietly("flush", this::flush), flushInterval.toMillis(),
          flushInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (!evaluationInterval.isZero()) {
      scheduler.scheduleWithFixedDelay(() -> quietly("evaluate", this::evaluate), evaluationInterval.toMillis(),
          evaluationInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static Map<String, Duration> burnWindows() {
    Map<String, Duration> windows = new LinkedHashMap<>();
    windows.put("5m", Duration.ofMinutes(5));
    windows.put("30m", Duration.ofMinutes(30));
    windows.put("1h", Duration.ofHours(1));
    windows.put("6h", Duration.ofHours(6));
    return windows;
  }

  private void quietly(String what, Runnable task) {
    try {
      task.run();
      outages.succeeded();
    } catch (RuntimeException e) {
      outages.failed("SLO monitor cannot " + what + " (counts stay pending, logged once until Redis answers)", e);
    }
  }

  // ---------------------------------------------------------------- binding

  @Override
  public SloMonitor bind(CircuitBreaker breaker) {
    if (!bindIfAbsent(Objects.requireNonNull(breaker, "breaker"))) {
      throw new IllegalStateException("a breaker named '" + breaker.getName() + "' is bound already");
    }
    return this;
  }

  private boolean bindIfAbsent(CircuitBreaker breaker) {
    Recorder recorder = new Recorder(breaker, nodeId, clock, definition(breaker.getName()).latencyThreshold());
    if (recorders.putIfAbsent(breaker.getName(), recorder) != null) {
      return false;
    }
    if (breaker instanceof RedisCircuitBreaker shared) {
      shared.addCallObserver(recorder); // no event object per call
      breaker.getEventPublisher().onStateTransition(recorder::onTransition);
    } else {
      breaker.getEventPublisher().onEvent(recorder::onEvent);
    }
    gauges.register(recorder, definition(breaker.getName()));
    return true;
  }

  @Override
  public SloMonitor bindAll(CircuitBreakerRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    // Listen first, then bind what exists: a breaker added in between is bound once either way.
    registry.getEventPublisher().onEntryAdded(event -> bindIfAbsent(event.getAddedEntry()));
    registry.getAllCircuitBreakers().forEach(this::bindIfAbsent);
    return this;
  }

  @Override
  public Set<String> services() {
    return Set.copyOf(recorders.keySet());
  }

  private SloDefinition definition(String service) {
    return definitions.getOrDefault(service, defaultDefinition);
  }

  private Recorder recorder(String service) {
    Recorder recorder = recorders.get(Objects.requireNonNull(service, "service"));
    if (recorder == null) {
      throw new IllegalArgumentException("no breaker named '" + service + "' is bound; bound: " + new TreeSet<>(
          recorders.keySet()));
    }
    return recorder;
  }

  // ---------------------------------------------------------------- flush

  @Override
  public void flush() {
    synchronized (flushLock) {
      long now = clock.millis();
      SloStoreException first = null;
      for (Recorder recorder : recorders.values()) {
        Recorder.Pending pending = recorder.pending();
        if (pending.isEmpty()) {
          continue;
        }
        try {
          long repaired = store.flush(recorder.service(), pending, now, definition(recorder.service()).window());
          recorder.sent(pending);
          if (repaired > 0) {
            gauges.repairs(recorder.service()).increment(repaired);
            LOG.warn("{} fleet total(s) of service '{}' in Redis were not numbers (tampered?); reset to this"
                + " node's counts", repaired, recorder.service());
          }
        } catch (SloStoreException e) {
          recorder.failed(pending);
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  // ---------------------------------------------------------------- figures

  @Override
  public ServiceMetrics getMetrics(String service) {
    return getMetrics(service, Duration.ofHours(1));
  }

  @Override
  public ServiceMetrics getMetrics(String service, Duration window) {
    recorder(service);
    Objects.requireNonNull(window, "window");
    Duration longest = definition(service).window();
    if (window.toMillis() < 60_000 || window.compareTo(longest) > 0) {
      throw new IllegalArgumentException("window must be from 1 min to the SLO window (" + longest + "), was "
          + window);
    }
    long now = clock.millis();
    return metrics(service, window, store.window(service, now, window),
        Timeline.of(store.transitions(service, now - window.toMillis(), now), now - window.toMillis(), now));
  }

  private ServiceMetrics metrics(String service, Duration window, Counts counts, Timeline timeline) {
    return new ServiceMetrics(service, window, counts.requests(true), counts.successes(), counts.failures(),
        counts.notPermitted(), counts.ignored(), counts.slow(), LatencyBuckets.quantile(counts.buckets(), 0.5),
        LatencyBuckets.quantile(counts.buckets(), 0.95), LatencyBuckets.quantile(counts.buckets(), 0.99),
        timeline.transitions(), timeline.timeInState(), timeline.recoveries().size(), timeline.meanRecovery(),
        timeline.maxRecovery(), timeline.currentOutage());
  }

  @Override
  public SloStatus getSloMetrics(String service) {
    recorder(service);
    long now = clock.millis();
    return status(service, figures(service, now), activeAlerts(), now);
  }

  /** Everything evaluated of a service, read once: the SLO window, the burn windows, the timelines. */
  private record Figures(Counts slo, Map<String, Counts> burn, Timeline sloTimeline, Timeline hourTimeline) {}

  private Figures figures(String service, long now) {
    Duration window = definition(service).window();
    Map<String, Counts> burn = new LinkedHashMap<>();
    BURN_WINDOWS.forEach((name, duration) -> burn.put(name, store.window(service, now, duration)));
    return new Figures(store.window(service, now, window), burn,
        Timeline.of(store.transitions(service, now - window.toMillis(), now), now - window.toMillis(), now),
        Timeline.of(store.transitions(service, now - 3_600_000, now), now - 3_600_000, now));
  }

  private SloStatus status(String service, Figures figures, List<SloAlert> firing, long now) {
    SloDefinition definition = definition(service);
    Counts slo = figures.slo();
    Map<String, Double> burn = new LinkedHashMap<>();
    figures.burn().forEach((name, counts) -> burn.put(name, burnRate(definition, counts)));
    Timeline timeline = figures.sloTimeline();
    long requests = slo.requests(notPermittedIsFailure);
    double availability = requests == 0 ? 1.0 : ratio(requests - slo.bad(notPermittedIsFailure), requests);
    double compliance = slo.withinThreshold();
    boolean recoveryMet = timeline.maxRecovery().compareTo(definition.recoveryTarget()) <= 0
        && timeline.currentOutage().map(d -> d.compareTo(definition.recoveryTarget()) <= 0).orElse(true);
    List<SloAlert> own = firing.stream().filter(a -> a.service().equals(service)).toList();
    return new SloStatus(service, definition, requests, availability, availability >= definition.availabilityTarget(),
        remaining(definition, slo), burn, LatencyBuckets.quantile(slo.buckets(), definition.latencyPercentile()),
        compliance, compliance >= definition.latencyPercentile(), timeline.meanRecovery(), timeline.maxRecovery(),
        recoveryMet, own, Instant.ofEpochMilli(now));
  }

  private double remaining(SloDefinition definition, Counts counts) {
    long requests = counts.requests(notPermittedIsFailure);
    return definition.errorBudget().remaining(requests - counts.bad(notPermittedIsFailure),
        counts.bad(notPermittedIsFailure));
  }

  /** {@code part / whole} as the decimal a person computes (0.95, not 0.9500000000000001). */
  private static double ratio(long part, long whole) {
    return BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), MathContext.DECIMAL64)
        .doubleValue();
  }

  private double burnRate(SloDefinition definition, Counts counts) {
    long requests = counts.requests(notPermittedIsFailure);
    return requests == 0 ? 0.0 : definition.errorBudget().burnRate(requests - counts.bad(notPermittedIsFailure),
        counts.bad(notPermittedIsFailure));
  }

  // ---------------------------------------------------------------- evaluation and alerts

  @Override
  public void evaluate() {
    long now = clock.millis();
    Map<String, String> firing = alerts.firing();
    Instant at = Instant.ofEpochMilli(now);
    for (Recorder recorder : recorders.values()) {
      String service = recorder.service();
      SloDefinition definition = definition(service);
      Figures figures = figures(service, now);
      SloStatus status = status(service, figures, List.of(), now);
      Counts recent = figures.burn().get("5m");
      Duration recentLatency = LatencyBuckets.quantile(recent.buckets(), definition.latencyPercentile());
      Optional<Duration> outage = figures.sloTimeline().currentOutage();

      alerts.judge(firing, Type.BREAKER_OPEN, service, "critical",
          outage.isPresent() && outage.get().compareTo(openAlertAfter) > 0,
          outage.map(d -> d.toMillis() / 1000.0).orElse(0.0), openAlertAfter.toMillis() / 1000.0,
          service + " has not closed for " + outage.map(RedisSloMonitor::human).orElse("0 s") + " (alert after "
              + human(openAlertAfter) + ")", at);
      alerts.judge(firing, Type.LATENCY, service, "warning",
          recent.requests(true) >= minRequests && recentLatency.compareTo(definition.latencyThreshold()) > 0,
          SloGauges.seconds(recentLatency), SloGauges.seconds(definition.latencyThreshold()),
          String.format(Locale.ROOT, "%s p%s latency over the last 5 min is %d ms, above %d ms", service,
              percentile(definition.latencyPercentile()), recentLatency.toMillis(),
              definition.latencyThreshold().toMillis()), at);
      alerts.judge(firing, Type.AVAILABILITY, service, "warning",
          status.requests() >= minRequests && !status.availabilityMet(), status.availability(),
          definition.availabilityTarget(), String.format(Locale.ROOT, "%s availability over %s is %.3f%%, below %.3f%%",
              service, human(definition.window()), status.availability() * 100, definition.availabilityTarget() * 100),
          at);
      double burn1h = status.burnRates().get("1h");
      double burn5m = status.burnRates().get("5m");
      alerts.judge(firing, Type.FAST_BURN, service, "critical",
          figures.burn().get("1h").requests(notPermittedIsFailure) >= minRequests && burn1h >= FAST_BURN
              && burn5m >= FAST_BURN,
          burn1h, FAST_BURN, String.format(Locale.ROOT, "%s burns its error budget %.1fx over 1 h and %.1fx over 5 min "
              + "(page at %.1fx): 2%% of a 30-day budget per hour", service, burn1h, burn5m, FAST_BURN), at);
      double burn6h = status.burnRates().get("6h");
      double burn30m = status.burnRates().get("30m");
      alerts.judge(firing, Type.SLOW_BURN, service, "warning",
          figures.burn().get("6h").requests(notPermittedIsFailure) >= minRequests && burn6h >= SLOW_BURN
              && burn30m >= SLOW_BURN,
          burn6h, SLOW_BURN, String.format(Locale.ROOT, "%s burns its error budget %.1fx over 6 h and %.1fx over "
              + "30 min (ticket at %.1fx)", service, burn6h, burn30m, SLOW_BURN), at);

      gauges.show(service, new SloGauges.Evaluation(status(service, figures, AlertBook.activeFrom(firing), now),
          metrics(service, Duration.ofHours(1), figures.burn().get("1h"), figures.hourTimeline())));
    }
    List<String> cascading = cascades.get();
    alerts.judge(firing, Type.CASCADE, "*", "warning", !cascading.isEmpty(), cascading.size(), 0,
        "cascading failure: " + String.join("; ", cascading), at);
  }

  @Override
  public List<SloAlert> activeAlerts() {
    return alerts.active();
  }

  // ---------------------------------------------------------------- reports

  @Override
  public SloReports.SystemTrends getSystemTrends() {
    long now = clock.millis();
    Map<String, SloReports.ServiceTrend> trends = new TreeMap<>();
    for (String service : new TreeSet<>(recorders.keySet())) {
      Counts last = store.window(service, now, Duration.ofHours(1));
      Counts previous = store.window(service, now, Duration.ofHours(2)).minus(last);
      double rate = failureRate(last);
      double previousRate = failureRate(previous);
      Duration p99 = LatencyBuckets.quantile(last.buckets(), 0.99);
      Duration previousP99 = LatencyBuckets.quantile(previous.buckets(), 0.99);
      trends.put(service, new SloReports.ServiceTrend(service, last.requests(true), previous.requests(true), rate,
          previousRate, p99, previousP99, direction(rate, previousRate, p99, previousP99)));
    }
    return new SloReports.SystemTrends(trends, Instant.ofEpochMilli(now));
  }

  private double failureRate(Counts counts) {
    long requests = counts.requests(true);
    return requests == 0 ? 0.0 : (double) counts.bad(true) / requests;
  }

  private static Direction direction(double rate, double previousRate, Duration p99, Duration previousP99) {
    if (Math.abs(rate - previousRate) >= 0.01) {
      return rate > previousRate ? Direction.DEGRADING : Direction.IMPROVING;
    }
    if (!previousP99.isZero() && !p99.isZero()) {
      double change = (double) (p99.toNanos() - previousP99.toNanos()) / previousP99.toNanos();
      if (Math.abs(change) >= 0.2) {
        return change > 0 ? Direction.DEGRADING : Direction.IMPROVING;
      }
    }
    return Direction.STABLE;
  }

  @Override
  public SloReports.DashboardMetrics getDashboardMetrics() {
    long now = clock.millis();
    List<SloAlert> firing = activeAlerts();
    Map<String, SloReports.ServiceSummary> services = new TreeMap<>();
    long total = 0;
    int meeting = 0;
    for (Recorder recorder : recorders.values()) {
      String service = recorder.service();
      Figures figures = figures(service, now);
      SloStatus status = status(service, figures, firing, now);
      Counts hour = figures.burn().get("1h");
      total += hour.requests(true);
      meeting += status.isMet() ? 1 : 0;
      services.put(service, new SloReports.ServiceSummary(recorder.breaker().getState(), hour.requests(true),
          failureRate(hour), LatencyBuckets.quantile(hour.buckets(), 0.99), status.availability(),
          status.errorBudgetRemaining(), status.burnRates().get("1h"), status.activeAlerts().size()));
    }
    return new SloReports.DashboardMetrics(services, total, meeting, firing, Instant.ofEpochMilli(now));
  }

  @Override
  public SloReports.HealthStatus getHealthStatus() {
    List<SloAlert> firing = activeAlerts();
    Health health = firing.stream().anyMatch(a -> a.severity().equals("critical"))
        ? Health.CRITICAL : firing.isEmpty() ? Health.HEALTHY : Health.DEGRADED;
    return new SloReports.HealthStatus(health, firing.stream().map(SloAlert::message).toList(), clock.instant());
  }

  /** A duration as an alert says it: "3 min", "2 h", "2 min 5 s", "2.5 s". */
  static String human(Duration duration) {
    if (duration.toDays() >= 1 && duration.toHoursPart() == 0 && duration.toMinutesPart() == 0) {
      return duration.toDays() + " days";
    }
    if (duration.toHours() >= 1 && duration.toMinutesPart() == 0 && duration.toSecondsPart() == 0) {
      return duration.toHours() + " h";
    }
    if (duration.toMinutes() >= 1) {
      return duration.toSecondsPart() == 0 ? duration.toMinutes() + " min"
          : duration.toMinutes() + " min " + duration.toSecondsPart() + " s";
    }
    // Under a minute, to the tenth: 2.523 s is "2.5 s", not "2 s" (which reads as under the 2 s asked)
    String seconds = String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    return (seconds.endsWith(".0") ? seconds.substring(0, seconds.length() - 2) : seconds) + " s";
  }

  private static String percentile(double percentile) {
    double value = percentile * 100;
    return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    quietly("flush on close", this::flush);
  }

  @Override
  public String toString() {
    return "SloMonitor[" + nodeId + ", " + new TreeSet<>(recorders.keySet()) + "]";
  }
}
