package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code r4jredis} actuator endpoint and the {@code r4jRedis} health indicator (Boot 4: its
 * health support lives in {@code spring-boot-health}).
 */
@AutoConfiguration(after = R4jRedisAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(RedisCircuitBreakerRegistry.class)
public class R4jRedisActuatorAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  public R4jRedisEndpoint r4jRedisEndpoint(RedisCircuitBreakerRegistry registry) {
    return new R4jRedisEndpoint(registry);
  }

  /** Only with spring-boot-health, which Boot 4's actuator starter brings and its auto-configuration does not. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.AbstractHealthIndicator")
  static class Health {

    @Bean(name = "r4jRedisHealthIndicator")
    @ConditionalOnMissingBean(name = "r4jRedisHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("r4jredis")
    R4jRedisHealthIndicator r4jRedisHealthIndicator(RedisCircuitBreakerRegistry registry) {
      return new R4jRedisHealthIndicator(registry);
    }
  }
}
