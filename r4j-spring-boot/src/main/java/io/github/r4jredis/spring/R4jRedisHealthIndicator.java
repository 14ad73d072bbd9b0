package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code r4jRedis} in {@code /actuator/health}: how this node follows the fleet.
 *
 * <p>Always UP, by design: with Redis away the breakers go on deciding locally, and an
 * orchestrator that restarted every instance because Redis died would turn a degraded store
 * into an outage. The details say {@code syncMode: LOCAL}; alert on the
 * {@code r4jredis.state.sync.mode} gauge instead.
 */
public class R4jRedisHealthIndicator extends AbstractHealthIndicator {

  private final RedisCircuitBreakerRegistry registry;

  public R4jRedisHealthIndicator(RedisCircuitBreakerRegistry registry) {
    super("r4j-redis health check failed");
    this.registry = registry;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.up().withDetails(R4jRedisRegistries.healthDetails(registry));
  }
}
