package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.RedisStateException;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/r4jredis}: the fleet's state of every shared breaker as stored in Redis (also
 * ones this application never created), and this node's sync mode. When Redis does not answer,
 * this node's own breakers, marked {@code fleetWide: false}.
 */
@Endpoint(id = "r4jredis")
public class R4jRedisEndpoint {

  private final RedisCircuitBreakerRegistry registry;

  public R4jRedisEndpoint(RedisCircuitBreakerRegistry registry) {
    this.registry = registry;
  }

  /** The fleet's breakers. */
  @ReadOperation
  public Fleet fleet() {
    try {
      return new Fleet(registry.nodeId(), registry.syncMode().name(), registry.keyPrefix(), true,
          registry.sharedBreakers().stream().map(Breaker::of).toList());
    } catch (RedisStateException e) {
      return new Fleet(registry.nodeId(), registry.syncMode().name(), registry.keyPrefix(), false,
          registry.getAllCircuitBreakers().stream().sorted(Comparator.comparing(CircuitBreaker::getName))
              .map(Breaker::local).toList());
    }
  }

  /** One breaker of the fleet; {@code null} (404) when Redis has none of that name. */
  @ReadOperation
  public @Nullable Breaker breaker(@Selector String name) {
    return registry.sharedBreaker(name).map(Breaker::of).orElse(null);
  }

  /** What this node knows of the fleet. */
  public record Fleet(String nodeId, String syncMode, String keyPrefix, boolean fleetWide, List<Breaker> breakers) {}

  /**
   * A breaker's shared state; instants in ISO-8601. {@code version}, {@code since} and the
   * counts are unknown (-1, null) for a node's own view.
   */
  public record Breaker(String name, String state, long version, @Nullable String since, @Nullable String openUntil,
      @Nullable String trialHolder, long calls, long failedCalls, long slowCalls, @Nullable Float failureRate,
      int reportingNodes, int failingNodes) {

    static Breaker of(SharedBreakerState s) {
      return new Breaker(s.name(), s.state().name(), s.version(), s.since().toString(),
          s.openUntil().map(Instant::toString).orElse(null), s.trialHolder().orElse(null), s.calls(),
          s.failedCalls(), s.slowCalls(), s.failureRate() < 0 ? null : s.failureRate(), s.reportingNodes(),
          s.failingNodes());
    }

    static Breaker local(CircuitBreaker b) {
      CircuitBreaker.Metrics m = b.getMetrics();
      long version = b instanceof RedisCircuitBreaker r ? r.stateVersion() : -1;
      return new Breaker(b.getName(), b.getState().name(), version, null, null, null,
          m.getNumberOfBufferedCalls(), m.getNumberOfFailedCalls(), m.getNumberOfSlowCalls(),
          m.getFailureRate() < 0 ? null : m.getFailureRate(), 1, m.getNumberOfFailedCalls() > 0 ? 1 : 0);
    }
  }
}
