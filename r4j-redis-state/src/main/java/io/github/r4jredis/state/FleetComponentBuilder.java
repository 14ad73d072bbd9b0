package io.github.r4jredis.state;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Clock;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * The settings that every component keeping fleet-wide data in Redis beside the circuit breakers
 * takes the same way, with the same rules and defaults: the key prefix it shares with the
 * breakers, this node's id, the clock of the times it stores, and where its meters go. The
 * builders of r4j-fallback-chain's {@code RetryQueue}, r4j-health's {@code HealthMonitor} and
 * r4j-slo's {@code SloMonitor} extend it; each says in its own documentation what the node id and
 * the clock are for there.
 *
 * <p>Not thread-safe, as every builder.
 *
 * @param <B> the builder itself, so that these setters chain with its own
 */
public abstract class FleetComponentBuilder<B extends FleetComponentBuilder<B>> {

  /** Prefix of the keys. */
  protected String keyPrefix = FleetNames.DEFAULT_PREFIX;
  /** This node's id. */
  protected String nodeId = FleetNames.defaultNodeId();
  /** The clock given, or null for the fleet's (see {@link #clockOr}). */
  protected @Nullable Clock clock;
  /** Where the meters go. */
  protected MeterRegistry meterRegistry = Metrics.globalRegistry;

  /** For the builders of r4j-redis's modules. */
  protected FleetComponentBuilder() {}

  /**
   * Prefix of the component's keys, 1-64 of {@code [A-Za-z0-9._-]}: the breakers' prefix, so that
   * one operator's {@code SCAN r4j:*} finds everything of one fleet. Default {@value FleetNames#DEFAULT_PREFIX}.
   *
   * @throws IllegalArgumentException when it breaks the rule
   */
  public B keyPrefix(String keyPrefix) {
    this.keyPrefix = FleetNames.requirePrefix("keyPrefix", keyPrefix);
    return self();
  }

  /**
   * This node's id, 1-{@value FleetNames#MAX_NODE_ID_LENGTH} of {@code [A-Za-z0-9._:@-]}, as a
   * registry's (pass the registry's {@link RedisCircuitBreakerRegistry#nodeId()} to name a node
   * alike everywhere). Default {@link FleetNames#defaultNodeId()}.
   *
   * @throws IllegalArgumentException when it breaks the rule
   */
  public B nodeId(String nodeId) {
    this.nodeId = FleetNames.requireNodeId("nodeId", nodeId);
    return self();
  }

  /**
   * A clock to stamp what the component stores with, instead of the fleet's (tests, mostly:
   * {@code Clock.fixed}, {@code Clock.offset}, a test clock). Default: the fleet's clock, Redis
   * {@code TIME} ({@link RedisClock}), so that nodes whose own clocks disagree agree on when
   * things happened. The builder's documentation says what a system clock given here means for
   * it (the retry queue takes it as the fleet's; the monitors as this node's own).
   */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** Where the component's meters go. Default Micrometer's global registry. */
  public B meterRegistry(MeterRegistry meterRegistry) {
    this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
    return self();
  }

  /** The clock given, else the fleet's: a {@link RedisClock} of {@code redisson}. */
  protected Clock clockOr(RedissonClient redisson) {
    return clock != null ? clock : RedisClock.of(redisson);
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
