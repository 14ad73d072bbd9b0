package io.github.r4jredis.state;

import io.github.r4jredis.state.internal.History;
import io.github.r4jredis.state.internal.KeySpace;
import io.github.r4jredis.state.internal.RegistryRuntime;
import io.github.r4jredis.state.internal.SharedView;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.ConfigurationNotFoundException;
import io.github.resilience4j.core.registry.AbstractRegistry;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * A Resilience4j {@link CircuitBreakerRegistry} whose breakers are shared by every node of a
 * fleet through Redis: swap it in for {@code CircuitBreakerRegistry.of(...)} and each name is one
 * breaker for the whole fleet.
 *
 * <pre>{@code
 * RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(redisson)
 *     .withCircuitBreakerConfig(CircuitBreakerConfig.custom().failureRateThreshold(50).build())
 *     .build();
 * CircuitBreaker calcom = registry.circuitBreaker("calcom");
 * }</pre>
 *
 * <p>It extends Resilience4j's {@link AbstractRegistry}, so {@link RegistryEventConsumer}s and
 * resilience4j-micrometer's {@code TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry} work
 * unchanged. Every breaker it creates is a {@link RedisCircuitBreaker}.
 *
 * <p>One sync thread per registry talks to Redis; {@link #close()} stops it after a last flush
 * and leaves the shared state in Redis. {@link Builder#build()} never blocks on Redis: when Redis is
 * down, breakers start in {@link SyncMode#LOCAL} and join the fleet when it answers.
 *
 * <p>Thread-safe.
 */
public final class RedisCircuitBreakerRegistry
    extends AbstractRegistry<CircuitBreaker, CircuitBreakerConfig>
    implements CircuitBreakerRegistry, AutoCloseable {

  /** Default prefix of every key and channel. */
  public static final String DEFAULT_KEY_PREFIX = FleetNames.DEFAULT_PREFIX;

  /** Default interval between flushes of local outcomes. */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(20);

  /** Default timeout of every Redis call (pipelines, the trial lease claim, manual commands). */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);

  /** Default time without an answer from Redis after which breakers decide locally. */
  public static final Duration DEFAULT_LOCAL_MODE_AFTER = Duration.ofMillis(500);

  /**
   * Default interval in which every breaker's shared state is read again (a safety net: state
   * changes arrive with every flush reply and by pub/sub).
   */
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(5);

  /** Default lifetime of a half-open trial lease that its holder stops renewing. */
  public static final Duration DEFAULT_TRIAL_LEASE = Duration.ofSeconds(5);

  /** Default {@link Builder#maxFlushDelay}. */
  public static final Duration DEFAULT_MAX_FLUSH_DELAY = Duration.ofSeconds(5);

  /** Default number of distinct failing nodes a shared breaker needs to open. */
  public static final int DEFAULT_MINIMUM_REPORTING_NODES = 1;

  /** Default {@link Builder#maxCircuitBreakers}. */
  public static final int DEFAULT_MAX_CIRCUIT_BREAKERS = 10_000;

  private final RegistryRuntime runtime;
  private final int maxCircuitBreakers;
  /** Breakers created and not removed: counted before one is made, so the bound holds under races. */
  private final AtomicInteger held = new AtomicInteger();

  private RedisCircuitBreakerRegistry(Builder builder, Map<String, CircuitBreakerConfig> configs) {
    super(configs.get(DEFAULT_CONFIG), builder.consumers, builder.tags);
    this.maxCircuitBreakers = builder.maxCircuitBreakers;
    configs.forEach((name, config) -> {
      if (!DEFAULT_CONFIG.equals(name)) {
        configurations.put(name, config);
      }
    });
    CircuitBreakerConfig defaults = configs.get(DEFAULT_CONFIG);
    this.runtime = new RegistryRuntime(builder.redisson, KeySpace.of(builder.keyPrefix),
        builder.nodeId != null ? builder.nodeId : FleetNames.defaultNodeId(),
        builder.syncInterval, builder.commandTimeout, builder.localModeAfter,
        builder.reconcileInterval, builder.trialLease, builder.maxFlushDelay, builder.shardedPubSub,
        builder.minimumReportingNodes, builder.history, builder.meterRegistry);
  }

  /**
   * A builder of a registry sharing its breakers through {@code redisson}. The client may be
   * connected to a single server, a Sentinel set-up or a Cluster; its codec does not matter
   * (the registry uses plain string codecs).
   */
  public static Builder builder(RedissonClient redisson) {
    return new Builder(Objects.requireNonNull(redisson, "redisson"));
  }

  // ---------------------------------------------------------------- CircuitBreakerRegistry

  @Override
  public Set<CircuitBreaker> getAllCircuitBreakers() {
    return Set.copyOf(entryMap.values());
  }

  /**
   * The fleet-shared breaker of this name, created with the default config on first use.
   *
   * @throws IllegalArgumentException for an empty name, one over 200 characters or with
   *     control characters
   */
  @Override
  public CircuitBreaker circuitBreaker(String name) {
    return circuitBreaker(name, getDefaultConfig());
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, Map<String, String> tags) {
    return circuitBreaker(name, getDefaultConfig(), tags);
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, CircuitBreakerConfig config) {
    return circuitBreaker(name, config, Map.of());
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, CircuitBreakerConfig config, Map<String, String> tags) {
    Objects.requireNonNull(config, CONFIG_MUST_NOT_BE_NULL);
    Objects.requireNonNull(tags, TAGS_MUST_NOT_BE_NULL);
    KeySpace.requireValidName(name);
    return getOrCreate(name, () -> create(name, config, getAllTags(tags)));
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, String configName) {
    return circuitBreaker(name, configName, Map.of());
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, String configName, Map<String, String> tags) {
    CircuitBreakerConfig config = getConfiguration(configName)
        .orElseThrow(() -> new ConfigurationNotFoundException(configName));
    return circuitBreaker(name, config, tags);
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, Supplier<CircuitBreakerConfig> configSupplier) {
    return circuitBreaker(name, configSupplier, Map.of());
  }

  @Override
  public CircuitBreaker circuitBreaker(String name, Supplier<CircuitBreakerConfig> configSupplier,
      Map<String, String> tags) {
    Objects.requireNonNull(configSupplier, SUPPLIER_MUST_NOT_BE_NULL);
    KeySpace.requireValidName(name);
    return getOrCreate(name, () -> create(name,
        Objects.requireNonNull(configSupplier.get(), CONFIG_MUST_NOT_BE_NULL), getAllTags(tags)));
  }

  /**
   * The breaker of that name, made by {@code creator} if there is none. A consumer of the
   * EntryAdded events that throws makes Resilience4j drop the new breaker (it is never stored):
   * the one made for it is let go too, not counted against the maximum nor synced.
   */
  private CircuitBreaker getOrCreate(String name, Supplier<CircuitBreaker> creator) {
    AtomicReference<CircuitBreaker> made = new AtomicReference<>();
    try {
      return computeIfAbsent(name, () -> {
        CircuitBreaker breaker = creator.get();
        made.set(breaker);
        return breaker;
      });
    } catch (RuntimeException | Error e) {
      CircuitBreaker orphan = made.get();
      if (orphan != null && find(name).orElse(null) != orphan) {
        held.decrementAndGet();
        runtime.detach(orphan);
      }
      throw e;
    }
  }

  /**
   * A new breaker, if the registry has room. Every breaker costs memory here and work in Redis
   * for as long as it is held: a name built from request data (an id, a URL with its query)
   * would make one per request, so the registry refuses to grow past its maximum.
   */
  private CircuitBreaker create(String name, CircuitBreakerConfig config, Map<String, String> tags) {
    if (held.incrementAndGet() > maxCircuitBreakers) {
      held.decrementAndGet();
      throw new IllegalStateException("The registry under '" + keyPrefix() + "' holds its maximum of "
          + maxCircuitBreakers + " circuit breakers and cannot create '" + KeySpace.printable(name, 80)
          + "': are breaker names built from request data? Remove unused ones, or raise the bound with"
          + " maxCircuitBreakers");
    }
    try {
      return runtime.create(name, config, tags);
    } catch (RuntimeException | Error e) {
      held.decrementAndGet();
      throw e;
    }
  }

  /** Removes the breaker from this node (it stops syncing); its shared state stays in Redis. */
  @Override
  public Optional<CircuitBreaker> remove(String name) {
    Optional<CircuitBreaker> removed = super.remove(name);
    removed.ifPresent(breaker -> {
      held.decrementAndGet();
      runtime.detach(breaker);
    });
    return removed;
  }

  // ---------------------------------------------------------------- fleet operations

  /** This node's id in the fleet. */
  public String nodeId() {
    return runtime.nodeId();
  }

  /** The prefix of every key and channel of this registry. */
  public String keyPrefix() {
    return runtime.keys().prefix();
  }

  /** Whether this registry currently follows the fleet through Redis. */
  public SyncMode syncMode() {
    return runtime.mode();
  }

  /**
   * Every breaker under this prefix in Redis, including ones this node never created.
   *
   * @throws RedisStateException when Redis does not answer in time or refuses (the message says which)
   */
  public List<SharedBreakerState> sharedBreakers() {
    Map<String, SharedView> views = operator(runtime::readAll,
        "Cannot list shared circuit breakers under '" + keyPrefix() + "'");
    List<SharedBreakerState> states = new ArrayList<>();
    views.forEach((name, view) -> states.add(toState(name, view)));
    states.sort((a, b) -> a.name().compareTo(b.name()));
    return states;
  }

  /**
   * The shared state of one breaker, empty when Redis has none of that name.
   *
   * @throws RedisStateException when Redis does not answer in time or refuses (the message says which)
   */
  public Optional<SharedBreakerState> sharedBreaker(String name) {
    KeySpace.requireValidName(name);
    SharedView view = operator(() -> runtime.read(name), "Cannot read circuit breaker " + quoted(name));
    return view.isMissing() ? Optional.empty() : Optional.of(toState(name, view));
  }

  /**
   * Resets a breaker for the whole fleet: CLOSED, empty window, backoff restarted. Synchronous:
   * when it returns, Redis has the reset and this node's breaker is reset; every other node
   * follows within one sync. A breaker this node created also re-seeds the shared config with
   * this node's.
   *
   * @return whether Redis had a breaker of that name (always, for one this node holds)
   * @throws RedisStateException when Redis does not answer in time or refuses (the message says which)
   */
  public boolean reset(String name) {
    KeySpace.requireValidName(name);
    SharedView reply = operator(() -> runtime.command(name, "RESET", find(name).orElse(null)),
        "Cannot reset circuit breaker " + quoted(name));
    return !reply.isMissing();
  }

  /**
   * Moves a breaker to {@code state} for the whole fleet, as {@code transitionTo...State()} on a
   * node that holds it would, under Resilience4j's table of legal transitions (a move to the
   * state it is in is legal and starts it again). For operators: the breaker need not exist on
   * this node, and its shared config is kept. Synchronous: when it returns, Redis has the move and
   * this node's breaker follows it; every other node follows within one sync.
   *
   * @return the shared state after the move; empty when Redis has no breaker of that name
   * @throws IllegalStateException when Resilience4j forbids the move from the current state
   * @throws RedisStateException when Redis does not answer in time or refuses (the message says which)
   */
  public Optional<SharedBreakerState> transition(String name, CircuitBreaker.State state) {
    KeySpace.requireValidName(name);
    Objects.requireNonNull(state, "state");
    SharedView reply = operator(() -> runtime.command(name, state.name(), find(name).orElse(null)),
        "Cannot move circuit breaker " + quoted(name));
    if (reply.isMissing()) {
      return Optional.empty();
    }
    if (reply.status() == SharedView.Status.ILLEGAL) {
      throw new IllegalStateException("Circuit breaker '" + KeySpace.printable(name, 80)
          + "' cannot move from " + reply.state() + " to " + state);
    }
    return Optional.of(toState(name, reply));
  }

  /**
   * Resets every breaker under this prefix for the whole fleet.
   *
   * @return the names reset
   * @throws RedisStateException when Redis does not answer within the command timeout
   */
  public List<String> resetAll() {
    List<String> names = new ArrayList<>();
    for (SharedBreakerState state : sharedBreakers()) {
      if (reset(state.name())) {
        names.add(state.name());
      }
    }
    return names;
  }

  /** An operator's call; its failure says {@code what} could not be done, and why. */
  private static <T> T operator(Supplier<T> call, String what) {
    try {
      return call.get();
    } catch (RedisStateException e) {
      throw new RedisStateException(what + ": " + e.getMessage(), e.getCause() != null ? e.getCause() : e);
    }
  }

  private static String quoted(String name) {
    return "'" + KeySpace.printable(name, 80) + "'";
  }

  /** Stops the sync thread after a last flush. Breakers keep working, locally. Idempotent. */
  @Override
  public void close() {
    runtime.close();
  }

  private static SharedBreakerState toState(String name, SharedView v) {
    return new SharedBreakerState(name, v.state(), v.version(), Instant.ofEpochMilli(v.since()),
        v.state() == CircuitBreaker.State.OPEN ? Optional.of(Instant.ofEpochMilli(v.openUntil())) : Optional.empty(),
        v.attempts(), trialHolder(v),
        v.calls(), v.failures(), v.slowCalls(), v.activeNodes(), v.failingNodes());
  }

  /** The node running the trial episode (HALF_OPEN) or holding the reservation of the next (OPEN). */
  private static Optional<String> trialHolder(SharedView v) {
    boolean trialStates = v.state() == CircuitBreaker.State.HALF_OPEN || v.state() == CircuitBreaker.State.OPEN;
    return trialStates && !v.holder().isEmpty() ? Optional.of(v.holder()) : Optional.empty();
  }

  /**
   * Settings of a registry. Setters check their argument at once (the message names the setting
   * and the value); {@link #build()} checks the combination. Not thread-safe.
   */
  public static final class Builder {

    private final RedissonClient redisson;
    private final Map<String, CircuitBreakerConfig> configs = new HashMap<>();
    private final List<RegistryEventConsumer<CircuitBreaker>> consumers = new ArrayList<>();
    private Map<String, String> tags = Map.of();
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private @Nullable String nodeId;
    private Duration syncInterval = DEFAULT_SYNC_INTERVAL;
    private Duration maxFlushDelay = DEFAULT_MAX_FLUSH_DELAY;
    private boolean shardedPubSub;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration localModeAfter = DEFAULT_LOCAL_MODE_AFTER;
    private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
    private Duration trialLease = DEFAULT_TRIAL_LEASE;
    private int minimumReportingNodes = DEFAULT_MINIMUM_REPORTING_NODES;
    private int maxCircuitBreakers = DEFAULT_MAX_CIRCUIT_BREAKERS;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private History history = History.NONE;

    private Builder(RedissonClient redisson) {
      this.redisson = redisson;
    }

    /** The default config of breakers created without one. Default: Resilience4j's defaults. */
    public Builder withCircuitBreakerConfig(CircuitBreakerConfig config) {
      configs.put(DEFAULT_CONFIG, Objects.requireNonNull(config, "config"));
      return this;
    }

    /**
     * A named config for {@link RedisCircuitBreakerRegistry#circuitBreaker(String, String)}.
     *
     * @throws IllegalArgumentException for the reserved name {@code default}
     */
    public Builder addCircuitBreakerConfig(String configName, CircuitBreakerConfig config) {
      Objects.requireNonNull(configName, "configName");
      Objects.requireNonNull(config, "config");
      if (DEFAULT_CONFIG.equals(configName)) {
        throw new IllegalArgumentException(
            "configName 'default' is reserved; use withCircuitBreakerConfig for the default config");
      }
      configs.put(configName, config);
      return this;
    }

    /** Tags added to every breaker (Micrometer tags of resilience4j-micrometer). Default none. */
    public Builder withTags(Map<String, String> tags) {
      this.tags = Map.copyOf(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /** Receives registry events (entry added, removed, replaced), as Resilience4j's do. */
    public Builder addRegistryEventConsumer(RegistryEventConsumer<CircuitBreaker> consumer) {
      consumers.add(Objects.requireNonNull(consumer, "consumer"));
      return this;
    }

    /**
     * Prefix of every key and channel: registries with the same prefix on the same Redis share
     * their breakers. 1-64 of {@code [A-Za-z0-9._-]}. Default {@value #DEFAULT_KEY_PREFIX}.
     */
    public Builder keyPrefix(String keyPrefix) {
      KeySpace.of(keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * This node's id in the fleet: unique per running process, 1-100 of
     * {@code [A-Za-z0-9._:@-]}. Default: host name, process id and a random suffix.
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = FleetNames.requireNodeId("nodeId", nodeId);
      return this;
    }

    /** Interval between flushes of outcomes, in [1 ms, 10 s]. Default 20 ms. */
    public Builder syncInterval(Duration syncInterval) {
      this.syncInterval = Bounds.within("syncInterval", syncInterval, Duration.ofMillis(1), Duration.ofSeconds(10));
      return this;
    }

    /** Timeout of every Redis call, in [10 ms, 30 s]. Default 250 ms. */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = Bounds.within("commandTimeout", commandTimeout,
          Duration.ofMillis(10), Duration.ofSeconds(30));
      return this;
    }

    /**
     * How long Redis may fail to answer before breakers decide locally, in [50 ms, 60 s].
     * Default 500 ms.
     */
    public Builder localModeAfter(Duration localModeAfter) {
      this.localModeAfter = Bounds.within("localModeAfter", localModeAfter,
          Duration.ofMillis(50), Duration.ofSeconds(60));
      return this;
    }

    /**
     * Interval in which every breaker's shared state is read again, in [100 ms, 10 min]: a
     * safety net for lost messages, spread evenly over the sync ticks. Default 5 s.
     */
    public Builder reconcileInterval(Duration reconcileInterval) {
      this.reconcileInterval = Bounds.within("reconcileInterval", reconcileInterval,
          Duration.ofMillis(100), Duration.ofMinutes(10));
      return this;
    }

    /**
     * How long a half-open trial lease lives without renewal, in [100 ms, 10 min]: the holder
     * renews it while its trial calls run; if it dies, another node takes over after this long.
     * Default 5 s.
     */
    public Builder trialLeaseDuration(Duration trialLease) {
      this.trialLease = Bounds.within("trialLeaseDuration", trialLease, Duration.ofMillis(100), Duration.ofMinutes(10));
      return this;
    }

    /**
     * How long successes may wait on this node before they are sent, while the fleet's breaker
     * is CLOSED and far from its thresholds (at least its minimum number of calls, at rates under
     * half of each threshold), in [0, 9 s]. Successes cannot open a breaker: sending them every
     * few seconds rather than every sync spares Redis most of its work while all is well. A
     * failed or slow call is sent at once, with every success recorded before it; a node sending
     * nothing for longer than 10 s would no longer count as active for the quorum. Zero (or
     * anything up to the sync interval) sends at every sync. Default 5 s.
     */
    public Builder maxFlushDelay(Duration maxFlushDelay) {
      this.maxFlushDelay = Bounds.within("maxFlushDelay", maxFlushDelay, Duration.ZERO, Duration.ofSeconds(9));
      return this;
    }

    /**
     * On a Redis Cluster, whether each breaker's state news goes on a shard channel in the hash
     * slot of its keys ({@code SPUBLISH}/{@code SSUBSCRIBE}, Redis 7; on Redis 6 plain channels of
     * those names, heard through one pattern) instead of one channel per key prefix. A PUBLISH on
     * a Cluster crosses the cluster bus to every node of the cluster; a shard channel's news stays
     * on the shard holding the breaker. The price: one subscription per breaker on this node, and
     * Redisson's pool holds {@code subscriptionsPerConnection x subscriptionConnectionPoolSize}
     * (5 x 50 by default) per master: raise them for more breakers (the registry warns once when
     * it has more). Every node of a fleet must use the same setting. Ignored unless the client is
     * connected to a Cluster. Default false.
     */
    public Builder shardedPubSub(boolean shardedPubSub) {
      this.shardedPubSub = shardedPubSub;
      return this;
    }

    /**
     * Distinct nodes that must report failures inside the window before the shared breaker
     * opens (at least 1). With 2 or more, one sick node cannot open the breaker for the fleet;
     * its own local state machine still protects it. Default 1.
     */
    public Builder minimumReportingNodes(int minimumReportingNodes) {
      this.minimumReportingNodes = Bounds.atLeast("minimumReportingNodes", minimumReportingNodes, 1);
      return this;
    }

    /**
     * The most circuit breakers this registry holds at once (at least 1): creating one more
     * throws {@link IllegalStateException}, which names the bound. Breaker names come from
     * configuration and code, not from requests; the bound stops a name built from request data
     * from filling the heap and Redis. Default {@value #DEFAULT_MAX_CIRCUIT_BREAKERS}.
     */
    public Builder maxCircuitBreakers(int maxCircuitBreakers) {
      this.maxCircuitBreakers = Bounds.atLeast("maxCircuitBreakers", maxCircuitBreakers, 1);
      return this;
    }

    /** Where the registry's meters ({@link StateMeters}) go. Default: Micrometer's global registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** Test seam: observes accepted versions, trial permits and flushes (history checker). */
    Builder history(History history) {
      this.history = Objects.requireNonNull(history, "history");
      return this;
    }

    /**
     * Builds the registry and starts its sync thread. Does not wait for Redis.
     *
     * @throws IllegalStateException when the command timeout is not shorter than localModeAfter
     */
    public RedisCircuitBreakerRegistry build() {
      if (commandTimeout.compareTo(localModeAfter) >= 0) {
        throw new IllegalStateException("commandTimeout (" + commandTimeout
            + ") must be shorter than localModeAfter (" + localModeAfter + ")");
      }
      Map<String, CircuitBreakerConfig> all = new HashMap<>(configs);
      all.putIfAbsent(DEFAULT_CONFIG, CircuitBreakerConfig.ofDefaults());
      RedisCircuitBreakerRegistry registry = new RedisCircuitBreakerRegistry(this, all);
      registry.runtime.start();
      return registry;
    }
  }
}
