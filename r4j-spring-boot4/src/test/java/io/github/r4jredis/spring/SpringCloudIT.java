package io.github.r4jredis.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.context.scope.refresh.RefreshScope;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With Spring Cloud's refresh scope present, resilience4j-spring-boot4 brings a refresh-scoped
 * registry of its own, ordered only before Resilience4j's other auto-configuration, as ours is:
 * ours must still be the one, or the application silently gets per-node breakers. (Boot sorts
 * auto-configurations by name before their before/after, and ours sorts first: this test fails
 * when ours is ordered after Resilience4j's, not when the explicit order is merely removed.)
 */
@RedisTest
class SpringCloudIT {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Test
  void withSpringCloudsRefreshScopeTheRegistryIsStillTheSharedOne(RedisServer redis, @KeyPrefix String prefix) {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.NONE)
        .run("--r4j.redis.url=" + redis.address(), "--r4j.redis.key-prefix=" + prefix,
            "--resilience4j.circuitbreaker.instances.calcom.sliding-window-size=10")) {
      assertThat(context.getBeansOfType(RefreshScope.class)).as("Spring Cloud's refresh scope is there").isNotEmpty();

      assertThat(context.getBeansOfType(CircuitBreakerRegistry.class)).hasSize(1);
      assertThat(context.getBean(CircuitBreakerRegistry.class)).isInstanceOf(RedisCircuitBreakerRegistry.class);
      assertThat(context.getBean(CircuitBreakerRegistry.class).circuitBreaker("calcom"))
          .isInstanceOf(RedisCircuitBreaker.class)
          .satisfies(calcom -> assertThat(calcom.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(10));
    }
  }
}
