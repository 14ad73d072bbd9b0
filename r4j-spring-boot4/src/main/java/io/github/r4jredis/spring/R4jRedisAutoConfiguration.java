package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.consumer.EventConsumerRegistry;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Replaces Resilience4j's {@link CircuitBreakerRegistry} bean with the fleet-shared
 * {@link RedisCircuitBreakerRegistry}, built the way Resilience4j builds its own: from
 * {@code resilience4j.circuitbreaker.configs.*} (with the {@link CircuitBreakerConfigCustomizer}
 * beans), its tags and {@link RegistryEventConsumer} beans (Micrometer), an event consumer per
 * breaker for the actuator's events endpoint, and {@code .instances.*} created up front so the
 * aspect finds each with its own config. Everything else of resilience4j-spring-boot4 (the
 * {@code @CircuitBreaker} aspect, endpoints, health, metrics) stays and sees the shared breakers.
 *
 * <p>With Spring Cloud, the registry is not refresh-scoped as Resilience4j's own would be: a
 * refresh does not rebuild it (the breakers' state is the fleet's, in Redis), and changed
 * {@code resilience4j.circuitbreaker.*} properties take effect when the node restarts.
 *
 * <p>Redis comes from the application's {@link RedissonClient} bean, else from
 * {@code r4j.redis.url} through a client that connects lazily: the application starts, and its
 * breakers work on this node alone, while Redis is away.
 */
@AutoConfiguration(
    before = CircuitBreakerAutoConfiguration.class,
    // With Spring Cloud's refresh scope, Resilience4j offers a refresh-scoped registry of its own
    // (also @ConditionalOnMissingBean): ours must come first, or the fleet is silently per node.
    beforeName = "io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerRefreshScopedRegistryAutoConfiguration",
    afterName = {
        "org.redisson.spring.starter.RedissonAutoConfigurationV2",
        "org.redisson.spring.starter.RedissonAutoConfiguration"})
@ConditionalOnProperty(prefix = "r4j.redis", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties({R4jRedisProperties.class, CircuitBreakerProperties.class})
public class R4jRedisAutoConfiguration {

  /** Used when neither a {@link RedissonClient} bean nor {@code r4j.redis.url} is given. */
  public static final String DEFAULT_URL = R4jRedisRegistries.DEFAULT_URL;

  /** A client on {@code r4j.redis.url} that connects on first use, never at start-up. */
  @Bean(destroyMethod = "shutdown")
  @ConditionalOnMissingBean
  public RedissonClient r4jRedissonClient(R4jRedisProperties properties) {
    return R4jRedisRegistries.lazyClient(properties);
  }

  /** The fleet-shared registry, in place of Resilience4j's. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(CircuitBreakerRegistry.class)
  public RedisCircuitBreakerRegistry circuitBreakerRegistry(
      RedissonClient redisson,
      R4jRedisProperties properties,
      CircuitBreakerProperties circuitBreakerProperties,
      EventConsumerRegistry<CircuitBreakerEvent> eventConsumerRegistry,
      RegistryEventConsumer<CircuitBreaker> circuitBreakerRegistryEventConsumer,
      @Qualifier("compositeCircuitBreakerCustomizer") CompositeCustomizer<CircuitBreakerConfigCustomizer> customizers,
      ObjectProvider<MeterRegistry> meterRegistry) {
    return R4jRedisRegistries.registry(redisson, properties, circuitBreakerProperties, eventConsumerRegistry,
        circuitBreakerRegistryEventConsumer, customizers, meterRegistry);
  }
}
