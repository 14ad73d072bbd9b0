package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.FleetNames;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code r4j.redis.*}. Setters check their value at binding time, so a bad
 * property stops the application at start-up with a message naming it.
 *
 * <p>Not thread-safe: Spring binds it once at start-up.
 */
@ConfigurationProperties(prefix = "r4j.redis")
public class R4jRedisProperties {

  private boolean enabled = true;
  private @Nullable String url;
  private String keyPrefix = RedisCircuitBreakerRegistry.DEFAULT_KEY_PREFIX;
  private @Nullable String nodeId;
  private Duration syncInterval = RedisCircuitBreakerRegistry.DEFAULT_SYNC_INTERVAL;
  private Duration maxFlushDelay = RedisCircuitBreakerRegistry.DEFAULT_MAX_FLUSH_DELAY;
  private boolean shardedPubSub;
  private int minimumReportingNodes = RedisCircuitBreakerRegistry.DEFAULT_MINIMUM_REPORTING_NODES;
  private final Toggle fallback = new Toggle();
  private final Health health = new Health();
  private final Toggle slo = new Toggle();
  private final Api api = new Api();

  /** Whether the fleet-shared registry replaces Resilience4j's. Default {@code true}. */
  public boolean isEnabled() {
    return enabled;
  }

  /** See {@link #isEnabled()}. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Redis to connect to when the application has no {@code RedissonClient} bean, as
   * {@code redis://host:port} or {@code rediss://host:port}. Default: none.
   */
  public @Nullable String getUrl() {
    return url;
  }

  /** See {@link #getUrl()}. */
  public void setUrl(@Nullable String url) {
    if (url != null) {
      String masked = url.replaceAll("//[^@/]*@", "//***@"); // the message never shows a password
      if (!(url.startsWith("redis://") || url.startsWith("rediss://"))) {
        throw new IllegalArgumentException("r4j.redis.url must start with redis:// or rediss://, was '" + masked + "'");
      }
      try {
        if (new URI(url).getHost() == null) {
          throw new IllegalArgumentException("r4j.redis.url must name a host, was '" + masked + "'");
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("r4j.redis.url is not a valid URL, was '" + masked + "'");
      }
    }
    this.url = url;
  }

  /** Prefix of every key and channel. Default {@code r4j}. */
  public String getKeyPrefix() {
    return keyPrefix;
  }

  /** See {@link #getKeyPrefix()}. */
  public void setKeyPrefix(String keyPrefix) {
    this.keyPrefix = FleetNames.requirePrefix("r4j.redis.key-prefix", keyPrefix);
  }

  /** This node's id in the fleet. Default: host name, process id and a random suffix. */
  public @Nullable String getNodeId() {
    return nodeId;
  }

  /** See {@link #getNodeId()}. */
  public void setNodeId(@Nullable String nodeId) {
    this.nodeId = nodeId;
  }

  /** Interval between flushes of local outcomes to Redis. Default 20 ms. */
  public Duration getSyncInterval() {
    return syncInterval;
  }

  /** See {@link #getSyncInterval()}. */
  public void setSyncInterval(Duration syncInterval) {
    Objects.requireNonNull(syncInterval, "r4j.redis.sync-interval");
    if (syncInterval.toMillis() < 1 || syncInterval.toMillis() > 10_000) {
      throw new IllegalArgumentException(
          "r4j.redis.sync-interval must be in [1ms,10s], was " + syncInterval);
    }
    this.syncInterval = syncInterval;
  }

  /**
   * How long successes may wait on this node before they are sent, while the fleet's breaker is
   * CLOSED and far from its thresholds (failed and slow calls go at once). 0 to 9 s; 0 sends at
   * every sync. Default 5 s.
   */
  public Duration getMaxFlushDelay() {
    return maxFlushDelay;
  }

  /** See {@link #getMaxFlushDelay()}. */
  public void setMaxFlushDelay(Duration maxFlushDelay) {
    Objects.requireNonNull(maxFlushDelay, "r4j.redis.max-flush-delay");
    if (maxFlushDelay.isNegative() || maxFlushDelay.toMillis() > 9_000) {
      throw new IllegalArgumentException("r4j.redis.max-flush-delay must be in [0s,9s], was " + maxFlushDelay);
    }
    this.maxFlushDelay = maxFlushDelay;
  }

  /**
   * On a Redis Cluster, whether each breaker's state news goes on a shard channel in its own hash
   * slot (SPUBLISH, Redis 7) instead of one channel per key prefix: news then stays on the
   * breaker's shard, at one subscription per breaker. Every node of a fleet must agree. Default
   * false.
   */
  public boolean isShardedPubSub() {
    return shardedPubSub;
  }

  /** See {@link #isShardedPubSub()}. */
  public void setShardedPubSub(boolean shardedPubSub) {
    this.shardedPubSub = shardedPubSub;
  }

  /** Distinct nodes whose failures a shared breaker needs before it opens. Default 1. */
  public int getMinimumReportingNodes() {
    return minimumReportingNodes;
  }

  /** See {@link #getMinimumReportingNodes()}. */
  public void setMinimumReportingNodes(int minimumReportingNodes) {
    if (minimumReportingNodes < 1) {
      throw new IllegalArgumentException(
          "r4j.redis.minimum-reporting-nodes must be at least 1, was " + minimumReportingNodes);
    }
    this.minimumReportingNodes = minimumReportingNodes;
  }

  /** {@code r4j.redis.fallback.enabled}: the fallback chain beans. */
  public Toggle getFallback() {
    return fallback;
  }

  /**
   * {@code r4j.redis.health.enabled}: the state overview, and the cascade detector of
   * {@code r4j.redis.health.dependencies}.
   */
  public Health getHealth() {
    return health;
  }

  /** {@code r4j.redis.slo.enabled}: SLO evaluation and its meters. */
  public Toggle getSlo() {
    return slo;
  }

  /**
   * {@code r4j.redis.api.enabled}: the operators' JSON API under {@code /api} (needs Spring MVC,
   * r4j-health and r4j-slo). Off by default: it can reset and force open breakers, so switch it
   * on together with Spring Security.
   */
  public Api getApi() {
    return api;
  }

  /** The switch of the operators' API, off by default. */
  public static class Api {
    private boolean enabled;

    /** Whether {@code /api} is served. Default {@code false}. */
    public boolean isEnabled() {
      return enabled;
    }

    /** See {@link #isEnabled()}. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The health module's switch and the services' dependencies. */
  public static class Health extends Toggle {
    private Map<String, List<String>> dependencies = new LinkedHashMap<>();

    /**
     * Which services each service calls, e.g. {@code appointments: calcom, retell}: the graph
     * the cascade detector follows. Default: none (no cascade detector unless the application
     * defines a {@code DependencyGraph} bean).
     */
    public Map<String, List<String>> getDependencies() {
      return dependencies;
    }

    /** See {@link #getDependencies()}. */
    public void setDependencies(Map<String, List<String>> dependencies) {
      this.dependencies = Objects.requireNonNull(dependencies, "r4j.redis.health.dependencies");
    }
  }

  /** An on/off switch for one feature module. */
  public static class Toggle {
    private boolean enabled = true;

    /** Whether the feature is on. Default {@code true}. */
    public boolean isEnabled() {
      return enabled;
    }

    /** See {@link #isEnabled()}. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
