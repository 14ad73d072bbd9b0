package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.List;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code r4jRedis} in {@code /actuator/health}: how this node follows the fleet.
 *
 * <p>Always UP, by design: with Redis away the breakers go on deciding locally, and an
 * orchestrator that restarted every instance because Redis died would turn a degraded store
 * into an outage. The details say {@code syncMode: LOCAL}; alert on the
 * {@code r4jredis.sync.mode} gauge instead.
 */
public class R4jRedisHealthIndicator extends AbstractHealthIndicator {

  private final RedisCircuitBreakerRegistry registry;

  public R4jRedisHealthIndicator(RedisCircuitBreakerRegistry registry) {
    super("r4j-redis health check failed");
    this.registry = registry;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    List<String> open = registry.getAllCircuitBreakers().stream()
        .filter(b -> b.getState() == State.OPEN || b.getState() == State.FORCED_OPEN)
        .map(CircuitBreaker::getName).sorted().toList();
    builder.up()
        .withDetail("syncMode", registry.syncMode().name())
        .withDetail("fleetWide", registry.syncMode() == SyncMode.SHARED)
        .withDetail("nodeId", registry.nodeId())
        .withDetail("breakers", registry.getAllCircuitBreakers().size())
        .withDetail("open", open);
  }
}
