package io.github.r4jredis.health.internal;

import io.github.r4jredis.health.HealthCheckException;
import io.github.r4jredis.health.HealthMeters;
import io.github.r4jredis.health.HealthMonitor;
import io.github.r4jredis.health.HealthPrediction;
import io.github.r4jredis.health.HealthStatistics;
import io.github.r4jredis.health.Probe;
import io.github.r4jredis.health.ProbeResult;
import io.github.r4jredis.state.OutageLog;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HealthMonitor} coordinated through Redis. Per service:
 *
 * <pre>
 * &lt;prefix&gt;:health:{&lt;service&gt;}:lease    string, the node probing in this interval (SET NX PX interval)
 * &lt;prefix&gt;:health:{&lt;service&gt;}:history  stream of results: ok, us (latency), at (ms), node, err
 * </pre>
 *
 * <p>Each service has its own schedule: every interval (with jitter) a node tries the lease;
 * the holder checks and appends the result; every node then reads what was appended since it
 * last looked. The lease lasts one interval, so successive checks are at least an interval apart
 * in Redis time, whichever nodes run them. When Redis fails, the node checks by itself and keeps
 * the result locally.
 *
 * <p>Thread-safe: a service's local history is guarded by its {@code ServiceState}; checks run on
 * a cached pool, so a hung check holds a thread of its own and never a schedule.
 */
public final class RedisHealthMonitor implements HealthMonitor {

  private static final Logger LOG = LoggerFactory.getLogger(RedisHealthMonitor.class);

  private static final int READ_BATCH = 1000;

  private final RedissonClient redisson;
  private final String nodeId;
  private final @Nullable CircuitBreakerRegistry breakers;
  private final Duration retention;
  private final int maxHistory;
  private final double jitter;
  private final ZoneId zone;
  private final Clock clock;
  private final Map<String, ServiceState> services = new LinkedHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService workers;
  private final OutageLog outages =
      new OutageLog(LOG, "Health monitor reaches Redis again; probing is coordinated again");
  private volatile boolean closed;

  /** Use {@link HealthMonitor#builder}. */
  public RedisHealthMonitor(RedissonClient redisson, String prefix, String nodeId, List<Probe> probes,
      @Nullable CircuitBreakerRegistry breakers, Duration retention, int maxHistory, double jitter, ZoneId zone,
      Clock clock, MeterRegistry meters) {
    this.redisson = redisson;
    this.nodeId = nodeId;
    this.breakers = breakers;
    this.retention = retention;
    this.maxHistory = maxHistory;
    this.jitter = jitter;
    this.zone = zone;
    this.clock = clock;
    for (Probe probe : probes) {
      services.put(probe.service(), new ServiceState(probe, prefix + ":health:{" + probe.service() + "}:", meters));
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("r4j-health-schedule", new AtomicInteger()));
    this.workers = Executors.newCachedThreadPool(daemon("r4j-health-check-", new AtomicInteger(1)));
    for (ServiceState state : services.values()) {
      schedule(state, (long) (ThreadLocalRandom.current().nextDouble() * jitter * state.probe.interval().toMillis()));
    }
  }

  private static ThreadFactory daemon(String name, AtomicInteger counter) {
    return runnable -> {
      int n = counter.getAndIncrement();
      Thread thread = new Thread(runnable, n == 0 ? name : name + n);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** One service: its probe, its local copy of the fleet's history, its meters. */
  private final class ServiceState {
    final Probe probe;
    final String leaseKey;
    final String historyKey;
    final AtomicBoolean running = new AtomicBoolean();
    final Timer latency;
    final Counter up;
    final Counter down;
    /** Guarded by this; held only for memory work, never across a Redis call (scrapes read it). */
    private final Deque<ProbeResult> history = new ArrayDeque<>();
    /** Serialises reads of the stream, so that two reads never append the same results. */
    final Object reading = new Object();
    /** Guarded by {@link #reading}: the last stream id read. */
    private StreamMessageId lastId = new StreamMessageId(0, 0);

    ServiceState(Probe probe, String keys, MeterRegistry meters) {
      this.probe = probe;
      this.leaseKey = keys + "lease";
      this.historyKey = keys + "history";
      Tags tags = Tags.of("service", probe.service());
      this.latency = Timer.builder(HealthMeters.PROBE_LATENCY.getName())
          .description(HealthMeters.PROBE_LATENCY.description()).tags(tags).register(meters);
      this.up = checks(meters, tags, "up");
      this.down = checks(meters, tags, "down");
      Gauge.builder(HealthMeters.PROBE_UP.getName(), this, s -> s.latestResult().map(r -> r.healthy() ? 1.0 : 0.0)
              .orElse(Double.NaN))
          .description(HealthMeters.PROBE_UP.description()).tags(tags)
          .strongReference(true).register(meters);
      Gauge.builder(HealthMeters.UPTIME.getName(), this, s -> HealthStatistics.of(s.snapshot()).uptimePercent())
          .description(HealthMeters.UPTIME.description()).tags(tags)
          .strongReference(true).register(meters);
    }

    private Counter checks(MeterRegistry meters, Tags tags, String outcome) {
      return Counter.builder(HealthMeters.PROBE_CHECKS.getName()).description(HealthMeters.PROBE_CHECKS.description())
          .tags(tags).tag("outcome", outcome).register(meters);
    }

    synchronized void append(ProbeResult result) {
      history.addLast(result);
      trim();
    }

    synchronized List<ProbeResult> snapshot() {
      trim();
      List<ProbeResult> copy = new ArrayList<>(history);
      copy.sort(Comparator.comparing(ProbeResult::at));
      return copy;
    }

    Optional<ProbeResult> latestResult() {
      List<ProbeResult> all = snapshot();
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private void trim() {
      Instant oldest = clock.instant().minus(retention);
      while (!history.isEmpty() && (history.size() > maxHistory || history.peekFirst().at().isBefore(oldest))) {
        history.removeFirst();
      }
    }
  }

  // ---------------------------------------------------------------- schedule

  private void schedule(ServiceState state, long delayMillis) {
    if (closed) {
      return;
    }
    try {
      scheduler.schedule(() -> workers.execute(() -> tick(state)), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void tick(ServiceState state) {
    try {
      if (closed) {
        return;
      }
      boolean mine = acquireLease(state);
      ProbeResult result = mine ? check(state) : null;
      if (result != null) {
        store(state, result);
      }
      refresh(state);
      if (result != null) {
        act(state, result);
      }
    } catch (RuntimeException e) {
      LOG.warn("Health tick of {} failed", state.probe.service(), e);
    } finally {
      long interval = state.probe.interval().toMillis();
      schedule(state, Math.round(interval * (1 + (ThreadLocalRandom.current().nextDouble() * 2 - 1) * jitter)));
    }
  }

  /** Whether this node checks in this interval: it took the lease, or Redis cannot say. */
  private boolean acquireLease(ServiceState state) {
    try {
      boolean acquired = redisson.<String>getBucket(state.leaseKey, StringCodec.INSTANCE)
          .setIfAbsent(nodeId, state.probe.interval());
      outages.succeeded();
      return acquired;
    } catch (RedisException e) {
      redisFailed(e);
      return true;
    }
  }

  // ---------------------------------------------------------------- one check

  private ProbeResult check(ServiceState state) {
    Probe probe = state.probe;
    // Results carry the precision Redis keeps (ms, µs), so a result and its stored copy are equal.
    Instant at = Instant.ofEpochMilli(clock.millis());
    if (!state.running.compareAndSet(false, true)) {
      return record(state, ProbeResult.down(probe.service(), Duration.ZERO, at, nodeId,
          "the previous check is still running: it ignored its interrupt after timing out"));
    }
    long start = System.nanoTime();
    Future<?> future;
    try {
      future = workers.submit(() -> {
        try {
          probe.check().run(probe.timeout());
          return null;
        } finally {
          state.running.set(false);
        }
      });
    } catch (RejectedExecutionException e) {
      state.running.set(false);
      throw e;
    }
    String error = null;
    String timedOut = "timed out after " + probe.timeout().toMillis() + " ms";
    try {
      future.get(probe.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true); // interrupts the check
      error = timedOut;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      // A check bounded by a timeout of its own equal to the probe's (an HTTP probe's request
      // timeout, a JDBC probe's query timeout) may give up a hair before the cut-off: the same
      // outcome, told the same way.
      boolean ownTimeout = System.nanoTime() - start >= probe.timeout().toNanos() && isTimeout(cause);
      error = ownTimeout ? timedOut : describe(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      error = "interrupted";
    }
    Duration latency = Duration.ofNanos(Math.min(System.nanoTime() - start, probe.timeout().toNanos()) / 1000 * 1000);
    state.latency.record(latency);
    return record(state, error == null ? ProbeResult.up(probe.service(), latency, at, nodeId)
        : ProbeResult.down(probe.service(), latency, at, nodeId, error));
  }

  private static ProbeResult record(ServiceState state, ProbeResult result) {
    (result.healthy() ? state.up : state.down).increment();
    return result;
  }

  private static boolean isTimeout(Throwable error) {
    return error instanceof HttpTimeoutException || error instanceof SocketTimeoutException
        || error instanceof SQLTimeoutException || error instanceof TimeoutException;
  }

  private static String describe(Throwable error) {
    if (error instanceof HealthCheckException) {
      return String.valueOf(error.getMessage());
    }
    String text = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    return text.length() > 500 ? text.substring(0, 500) : text;
  }

  // ---------------------------------------------------------------- history in Redis

  private void store(ServiceState state, ProbeResult result) {
    long now = clock.millis();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("ok", result.healthy() ? "1" : "0");
    fields.put("us", Long.toString(result.latency().toNanos() / 1000));
    fields.put("at", Long.toString(result.at().toEpochMilli()));
    fields.put("node", result.node());
    fields.put("err", result.error());
    try {
      BoundedStream.add(redisson, state.historyKey, maxHistory, now - retention.toMillis(),
          retention.plus(state.probe.interval().multipliedBy(2)), fields);
      outages.succeeded();
    } catch (RedisException e) {
      redisFailed(e);
      state.append(result); // this node's alone until Redis is back
    }
  }

  /** Reads what the fleet appended since this node last looked. */
  private void refresh(ServiceState state) {
    try {
      synchronized (state.reading) {
        while (true) {
          Map<StreamMessageId, Map<String, String>> entries = redisson.<String, String>getStream(state.historyKey,
              StringCodec.INSTANCE).range(StreamRangeArgs.startIdExclusive(state.lastId).endId(StreamMessageId.MAX)
              .count(READ_BATCH));
          for (Map.Entry<StreamMessageId, Map<String, String>> entry : entries.entrySet()) {
            state.lastId = entry.getKey();
            ProbeResult result = parse(state.probe.service(), entry.getValue());
            if (result != null) {
              state.append(result);
            }
          }
          if (entries.size() < READ_BATCH) {
            break;
          }
        }
      }
      outages.succeeded();
    } catch (RedisException e) {
      redisFailed(e);
    }
  }

  private static @Nullable ProbeResult parse(String service, Map<String, String> fields) {
    try {
      return new ProbeResult(service, "1".equals(fields.get("ok")),
          Duration.ofNanos(Long.parseLong(fields.getOrDefault("us", "0")) * 1000),
          Instant.ofEpochMilli(Long.parseLong(fields.getOrDefault("at", "0"))),
          fields.getOrDefault("node", ""), fields.getOrDefault("err", ""));
    } catch (RuntimeException e) {
      LOG.debug("Ignoring an unreadable health result of {}: {}", service, fields);
      return null;
    }
  }

  // ---------------------------------------------------------------- actions

  private void act(ServiceState state, ProbeResult result) {
    Probe probe = state.probe;
    if (breakers == null || !probe.hasActions()) {
      return;
    }
    CircuitBreaker breaker = breakers.circuitBreaker(probe.breakerName());
    State current = breaker.getState();
    try {
      if (!result.healthy() && probe.opensBreakerAfterFailures() > 0
          && (current == State.CLOSED || current == State.HALF_OPEN)
          && failingStreak(state.snapshot()) >= probe.opensBreakerAfterFailures()) {
        LOG.info("{} failed {} checks in a row ({}): opening circuit breaker {}", probe.service(),
            probe.opensBreakerAfterFailures(), result.error(), breaker.getName());
        breaker.transitionToOpenState();
      } else if (result.healthy() && probe.isHastensRecovery() && current == State.OPEN) {
        LOG.info("{} passed its check: circuit breaker {} goes HALF_OPEN before its wait is over", probe.service(),
            breaker.getName());
        breaker.transitionToHalfOpenState();
      }
    } catch (RuntimeException e) { // a concurrent transition made ours illegal
      LOG.debug("Health action on {} skipped: {}", breaker.getName(), e.toString());
    }
  }

  private static int failingStreak(List<ProbeResult> history) {
    int streak = 0;
    for (int i = history.size() - 1; i >= 0 && !history.get(i).healthy(); i--) {
      streak++;
    }
    return streak;
  }

  private void redisFailed(RedisException e) {
    outages.failed("Health monitor cannot reach Redis; each node checks on its own until it is back", e);
  }

  // ---------------------------------------------------------------- API

  private ServiceState state(String service) {
    ServiceState state = services.get(Objects.requireNonNull(service, "service"));
    if (state == null) {
      throw new IllegalArgumentException("no probe for service '" + service + "'; probed: " + services.keySet());
    }
    return state;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Set<String> services() {
    return Set.copyOf(services.keySet());
  }

  @Override
  public Probe probe(String service) {
    return state(service).probe;
  }

  @Override
  public Optional<ProbeResult> latest(String service) {
    return state(service).latestResult();
  }

  @Override
  public boolean isHealthy(String service) {
    return latest(service).map(ProbeResult::healthy).orElse(true);
  }

  @Override
  public List<ProbeResult> history(String service) {
    return state(service).snapshot();
  }

  @Override
  public List<ProbeResult> history(String service, Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, was " + window);
    }
    Instant since = clock.instant().minus(window);
    return history(service).stream().filter(result -> !result.at().isBefore(since)).toList();
  }

  @Override
  public Map<String, ProbeResult> probeAllNow() {
    Map<String, ProbeResult> results = new TreeMap<>();
    for (String service : services()) {
      results.put(service, probeNow(service));
    }
    return results;
  }

  @Override
  public HealthStatistics statistics(String service) {
    return HealthStatistics.of(history(service));
  }

  @Override
  public HealthPrediction predict(String service, Duration horizon) {
    return HealthPrediction.predict(history(service), clock.instant(), horizon, zone);
  }

  @Override
  public ProbeResult probeNow(String service) {
    ServiceState state = state(service);
    ProbeResult result = check(state);
    store(state, result);
    refresh(state);
    act(state, result);
    return result;
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    workers.shutdownNow();
  }

  @Override
  public String toString() {
    return "HealthMonitor[" + nodeId + ", " + services.keySet() + "]";
  }

}
