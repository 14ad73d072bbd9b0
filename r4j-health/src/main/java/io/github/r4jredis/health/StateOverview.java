package io.github.r4jredis.health;

import io.github.r4jredis.health.internal.BoundedStream;
import io.github.r4jredis.state.Bounds;
import io.github.r4jredis.state.Health;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.RedisClock;
import io.github.r4jredis.state.RedisStateException;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' one view of the fleet: every shared breaker in Redis, the system's health with
 * reasons, and snapshots of the breakers' states kept in a Redis stream, with the patterns they
 * show (flapping, chronically open, recurring hours, time in OPEN).
 *
 * <pre>{@code
 * StateOverview overview = StateOverview.builder(registry, redisson)
 *     .cascadeDetector(cascades).healthMonitor(health)
 *     .criticalServices("database")
 *     .build();                              // snapshots every minute, by one node of the fleet
 * overview.getSystemHealth();                // HEALTHY, DEGRADED or CRITICAL, with reasons
 * overview.analyzeStatePatterns();
 * }</pre>
 *
 * <p>Keys: {@code <prefix>:health:snapshots} (stream, one field per breaker:
 * {@code b:<name> = "<state> <version> <since ms> <open until ms or -> <calls> <failed>"}) and
 * {@code <prefix>:health:snapshots:lease}. Thread-safe.
 */
public final class StateOverview implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StateOverview.class);

  /**
   * The system's health and why.
   *
   * @param status the verdict: {@code HEALTHY} when every breaker is closed and every probe passes;
   *     {@code CRITICAL} when a critical service is down or more than half of the breakers are open;
   *     {@code DEGRADED} otherwise (something open, recovering or failing its probe)
   * @param reasons one sentence per problem; empty when HEALTHY
   * @param at when it was judged
   * @param fleetWide whether the breakers' states came from Redis (the fleet's) or, with Redis
   *     unreachable, from this node's breakers only
   */
  public record SystemHealth(Health status, List<String> reasons, Instant at, boolean fleetWide) {

    /** Copies the list. */
    public SystemHealth {
      reasons = List.copyOf(reasons);
    }
  }

  private final RedisCircuitBreakerRegistry registry;
  private final RedissonClient redisson;
  private final @Nullable CascadeDetector cascades;
  private final @Nullable HealthMonitor health;
  private final Set<String> critical;
  private final Duration snapshotInterval;
  private final Duration retention;
  private final int maxSnapshots;
  private final ZoneId zone;
  private final Clock clock;
  private final String snapshotKey;
  private final String leaseKey;
  private final AtomicReference<SystemHealth> last;
  private final Counter unreadable;
  private final ScheduledExecutorService scheduler;

  private StateOverview(Builder builder) {
    this.registry = builder.registry;
    this.redisson = builder.redisson;
    this.cascades = builder.cascades;
    this.health = builder.health;
    this.critical = Set.copyOf(builder.critical);
    this.snapshotInterval = builder.snapshotInterval;
    this.retention = builder.snapshotRetention;
    this.maxSnapshots = builder.maxSnapshots;
    this.zone = builder.zone;
    this.clock = builder.clock != null ? builder.clock : RedisClock.of(builder.redisson);
    this.snapshotKey = registry.keyPrefix() + ":health:snapshots";
    this.leaseKey = snapshotKey + ":lease";
    this.last = new AtomicReference<>(new SystemHealth(Health.HEALTHY, List.of(), clock.instant(), false));
    Gauge.builder(HealthMeters.SYSTEM.getName(), last, h -> h.get().status().ordinal())
        .description(HealthMeters.SYSTEM.description())
        .strongReference(true)
        .register(builder.meterRegistry);
    this.unreadable = Counter.builder(HealthMeters.UNREADABLE.getName())
        .description(HealthMeters.UNREADABLE.description())
        .tag("key", "snapshots")
        .register(builder.meterRegistry);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "r4j-health-overview");
      thread.setDaemon(true);
      return thread;
    });
    long refresh = builder.refreshInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, refresh, TimeUnit.MILLISECONDS);
    if (!snapshotInterval.isZero()) {
      scheduler.scheduleWithFixedDelay(this::snapshotIfMine, snapshotInterval.toMillis(), snapshotInterval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /** A builder of the overview of {@code registry}'s breakers, keeping snapshots through {@code redisson}. */
  public static Builder builder(RedisCircuitBreakerRegistry registry, RedissonClient redisson) {
    return new Builder(registry, redisson);
  }

  /**
   * Every shared breaker in Redis, also ones this node never created, sorted by name.
   *
   * @throws RedisStateException when Redis does not answer
   */
  public List<SharedBreakerState> getAllStates() {
    return registry.sharedBreakers();
  }

  /**
   * Judges the system's health now: the fleet's breakers (this node's when Redis is unreachable),
   * the cascades and the probes. The {@code r4jredis.health.system} gauge shows the last verdict;
   * the overview judges every {@code refreshInterval} by itself.
   */
  public SystemHealth getSystemHealth() {
    List<String> reasons = new ArrayList<>();
    boolean criticalDown = false;
    boolean fleetWide = true;
    Map<String, State> states = new LinkedHashMap<>();
    try {
      for (SharedBreakerState breaker : registry.sharedBreakers()) {
        states.put(breaker.name(), breaker.state());
        if (CascadeDetector.isDown(breaker.state())) {
          reasons.add(breaker.name() + " is " + breaker.state() + " since " + breaker.since()
              + breaker.openUntil().map(until -> ", may try again at " + until).orElse("")
              + (breaker.reportingNodes() > 0 ? ", " + breaker.failingNodes() + " of " + breaker.reportingNodes()
              + " reporting nodes failing" : ""));
        } else if (breaker.state() == State.HALF_OPEN) {
          reasons.add(breaker.name() + " is HALF_OPEN: recovering" + breaker.trialHolder()
              .map(node -> ", " + node + " runs the trial calls").orElse(""));
        }
      }
    } catch (RedisStateException e) {
      fleetWide = false;
      reasons.add("Redis unreachable: judged from this node's breakers only, each deciding locally");
      for (CircuitBreaker breaker : registry.getAllCircuitBreakers()) {
        states.put(breaker.getName(), breaker.getState());
        if (!CascadeDetector.isUp(breaker.getState())) {
          reasons.add(breaker.getName() + " is " + breaker.getState() + " on this node");
        }
      }
    }
    long down = states.values().stream().filter(CascadeDetector::isDown).count();
    for (Map.Entry<String, State> entry : states.entrySet()) {
      if (critical.contains(entry.getKey()) && CascadeDetector.isDown(entry.getValue())) {
        criticalDown = true;
        reasons.add("critical service " + entry.getKey() + " is down");
      }
    }
    if (down > 0 && down * 2 > states.size()) {
      criticalDown = true;
      reasons.add(down + " of " + states.size() + " breakers are open");
    }
    if (cascades != null) {
      for (CascadeDetector.Cascade cascade : cascades.detectCascadingFailures()) {
        if (!cascade.impacted().isEmpty()) {
          reasons.add("cascade: " + cascade);
        }
      }
    }
    if (health != null) {
      for (String service : new TreeSet<>(health.services())) {
        Optional<ProbeResult> latest = health.latest(service);
        if (latest.isPresent() && !latest.get().healthy()) {
          reasons.add("probe of " + service + " failing: " + latest.get().error());
          criticalDown |= critical.contains(service);
        }
      }
    }
    Health status = criticalDown ? Health.CRITICAL : reasons.isEmpty() ? Health.HEALTHY : Health.DEGRADED;
    SystemHealth verdict = new SystemHealth(status, reasons, clock.instant(), fleetWide);
    last.set(verdict);
    return verdict;
  }

  private void refreshQuietly() {
    try {
      getSystemHealth();
    } catch (RuntimeException e) {
      LOG.warn("Judging the system health failed", e);
    }
  }

  /**
   * Takes a snapshot of every shared breaker now and keeps it in Redis.
   *
   * @throws RedisStateException when Redis does not answer
   */
  public StateSnapshot captureStateSnapshot() {
    List<SharedBreakerState> states = getAllStates();
    Instant at = Instant.ofEpochMilli(clock.millis());
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("at", Long.toString(at.toEpochMilli()));
    fields.put("node", registry.nodeId());
    for (SharedBreakerState state : states) {
      fields.put("b:" + state.name(), state.state() + " " + state.version() + " " + state.since().toEpochMilli() + " "
          + state.openUntil().map(until -> Long.toString(until.toEpochMilli())).orElse("-") + " " + state.calls()
          + " " + state.failedCalls());
    }
    try {
      String id = BoundedStream.add(redisson, snapshotKey, maxSnapshots, at.toEpochMilli() - retention.toMillis(),
          retention.plus(snapshotInterval), fields);
      return Objects.requireNonNull(parse(id, fields), "a snapshot this node wrote is readable");
    } catch (RedisException e) {
      throw new RedisStateException("Cannot store a state snapshot under " + snapshotKey, e);
    }
  }

  private void snapshotIfMine() {
    try {
      if (redisson.getBucket(leaseKey, StringCodec.INSTANCE).setIfAbsent(registry.nodeId(), snapshotInterval)) {
        captureStateSnapshot();
      }
    } catch (RuntimeException e) {
      LOG.debug("No state snapshot this interval: {}", e.toString());
    }
  }

  /**
   * The {@code n} newest snapshots, newest first.
   *
   * @throws RedisStateException when Redis does not answer
   */
  public List<StateSnapshot> getRecentSnapshots(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    try {
      Map<StreamMessageId, Map<String, String>> entries = redisson.<String, String>getStream(snapshotKey,
          StringCodec.INSTANCE).rangeReversed(StreamRangeArgs.startId(StreamMessageId.MAX).endId(StreamMessageId.MIN)
          .count(n));
      List<StateSnapshot> snapshots = new ArrayList<>();
      entries.forEach((id, fields) -> {
        StateSnapshot snapshot = parse(id.toString(), fields);
        if (snapshot != null) {
          snapshots.add(snapshot);
        }
      });
      return snapshots;
    } catch (RedisException e) {
      throw new RedisStateException("Cannot read the state snapshots under " + snapshotKey, e);
    }
  }

  /**
   * The patterns of every kept snapshot (see {@link StatePatterns}).
   *
   * @throws RedisStateException when Redis does not answer
   */
  public StatePatterns analyzeStatePatterns() {
    List<StateSnapshot> all = new ArrayList<>();
    try {
      StreamMessageId after = new StreamMessageId(0, 0);
      while (true) {
        Map<StreamMessageId, Map<String, String>> entries = redisson.<String, String>getStream(snapshotKey,
            StringCodec.INSTANCE).range(StreamRangeArgs.startIdExclusive(after).endId(StreamMessageId.MAX).count(1000));
        for (Map.Entry<StreamMessageId, Map<String, String>> entry : entries.entrySet()) {
          StateSnapshot snapshot = parse(entry.getKey().toString(), entry.getValue());
          if (snapshot != null) {
            all.add(snapshot);
          }
          after = entry.getKey();
        }
        if (entries.size() < 1000) {
          break;
        }
      }
    } catch (RedisException e) {
      throw new RedisStateException("Cannot read the state snapshots under " + snapshotKey, e);
    }
    return StatePatterns.of(all, zone);
  }

  /** A snapshot from its stream entry; null (counted) when it is unreadable. A bad breaker field is skipped alone. */
  private @Nullable StateSnapshot parse(String id, Map<String, String> fields) {
    Instant at;
    try {
      at = Instant.ofEpochMilli(Long.parseLong(fields.get("at")));
    } catch (RuntimeException e) {
      unreadable.increment();
      LOG.debug("Ignoring an unreadable snapshot {}: {}", id, fields);
      return null;
    }
    Map<String, StateSnapshot.Breaker> breakers = new LinkedHashMap<>();
    fields.forEach((field, value) -> {
      if (field.startsWith("b:")) {
        String[] parts = value.split(" ");
        try {
          breakers.put(field.substring(2), new StateSnapshot.Breaker(State.valueOf(parts[0]), Long.parseLong(parts[1]),
              Instant.ofEpochMilli(Long.parseLong(parts[2])),
              "-".equals(parts[3]) ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(parts[3]))),
              Long.parseLong(parts[4]), Long.parseLong(parts[5])));
        } catch (RuntimeException e) {
          unreadable.increment();
          LOG.debug("Ignoring an unreadable breaker {} in snapshot {}: {}", field, id, value);
        }
      }
    });
    return new StateSnapshot(id, at, fields.getOrDefault("node", ""), breakers);
  }

  /** Stops the refresh and the snapshots. Idempotent. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  /** Settings of an overview. Not thread-safe. */
  public static final class Builder {

    /** Default interval of the scheduled snapshots. */
    public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofMinutes(1);

    /** Default time a snapshot is kept. */
    public static final Duration DEFAULT_SNAPSHOT_RETENTION = Duration.ofDays(7);

    /** Default most snapshots kept: a week of minutes. */
    public static final int DEFAULT_MAX_SNAPSHOTS = 10_080;

    /** Default interval at which the system's health is judged for the gauge. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(10);

    private final RedisCircuitBreakerRegistry registry;
    private final RedissonClient redisson;
    private @Nullable CascadeDetector cascades;
    private @Nullable HealthMonitor health;
    private final Set<String> critical = new TreeSet<>();
    private Duration snapshotInterval = DEFAULT_SNAPSHOT_INTERVAL;
    private Duration snapshotRetention = DEFAULT_SNAPSHOT_RETENTION;
    private int maxSnapshots = DEFAULT_MAX_SNAPSHOTS;
    private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
    private ZoneId zone = ZoneOffset.UTC;
    private @Nullable Clock clock;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;

    private Builder(RedisCircuitBreakerRegistry registry, RedissonClient redisson) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.redisson = Objects.requireNonNull(redisson, "redisson");
    }

    /** Adds cascades to the system's health. */
    public Builder cascadeDetector(CascadeDetector cascadeDetector) {
      this.cascades = Objects.requireNonNull(cascadeDetector, "cascadeDetector");
      return this;
    }

    /** Adds failing probes to the system's health. */
    public Builder healthMonitor(HealthMonitor healthMonitor) {
      this.health = Objects.requireNonNull(healthMonitor, "healthMonitor");
      return this;
    }

    /** Services (breaker or probe names) whose failure makes the system CRITICAL. */
    public Builder criticalServices(String... services) {
      for (String service : services) {
        critical.add(Objects.requireNonNull(service, "service"));
      }
      return this;
    }

    /** Interval of the scheduled snapshots (one node of the fleet takes each); zero for none. Default 1 min. */
    public Builder snapshotInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 10)) {
        throw new IllegalArgumentException("snapshotInterval must be zero or at least 10 ms, was " + interval);
      }
      this.snapshotInterval = interval;
      return this;
    }

    /** How long a snapshot is kept, at least 1 s. Default 7 days. */
    public Builder snapshotRetention(Duration retention) {
      this.snapshotRetention = Bounds.atLeast("snapshotRetention", retention, Duration.ofSeconds(1));
      return this;
    }

    /** Most snapshots kept (about: Redis trims in blocks), 10-1,000,000. Default 10,080. */
    public Builder maxSnapshots(int maxSnapshots) {
      this.maxSnapshots = Bounds.within("maxSnapshots", maxSnapshots, 10, 1_000_000);
      return this;
    }

    /** How often the system's health is judged for its gauge, at least 100 ms. Default 10 s. */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = Bounds.atLeast("refreshInterval", interval, Duration.ofMillis(100));
      return this;
    }

    /** The zone in which patterns read hours of day. Default UTC. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** The clock of snapshot times and retention. Default: the fleet's, {@link RedisClock} (Redis TIME). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where the {@code r4jredis.health.system} gauge goes. Default Micrometer's global registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** Builds the overview and starts its refresh and snapshots. */
    public StateOverview build() {
      return new StateOverview(this);
    }
  }
}
