package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties.InstanceProperties;
import io.github.resilience4j.consumer.EventConsumerRegistry;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.Map;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * aspect finds each with its own config. Everything else of resilience4j-spring-boot3 (the
 * {@code @CircuitBreaker} aspect, endpoints, health, metrics) stays and sees the shared breakers.
 *
 * <p>Redis comes from the application's {@link RedissonClient} bean, else from
 * {@code r4j.redis.url} through a client that connects lazily: the application starts, and its
 * breakers work on this node alone, while Redis is away.
 */
@AutoConfiguration(
    before = CircuitBreakerAutoConfiguration.class,
    afterName = {
        "org.redisson.spring.starter.RedissonAutoConfigurationV2",
        "org.redisson.spring.starter.RedissonAutoConfiguration"})
@ConditionalOnProperty(prefix = "r4j.redis", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties({R4jRedisProperties.class, CircuitBreakerProperties.class})
public class R4jRedisAutoConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(R4jRedisAutoConfiguration.class);

  /** Used when neither a {@link RedissonClient} bean nor {@code r4j.redis.url} is given. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  /** A client on {@code r4j.redis.url} that connects on first use, never at start-up. */
  @Bean(destroyMethod = "shutdown")
  @ConditionalOnMissingBean
  public RedissonClient r4jRedissonClient(R4jRedisProperties properties) {
    String url = properties.getUrl() != null ? properties.getUrl() : DEFAULT_URL;
    URI uri = URI.create(url);
    Config config = new Config();
    config.setLazyInitialization(true);
    config.useSingleServer()
        .setAddress(uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort()));
    String info = uri.getUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      String user = colon < 0 ? info : info.substring(0, colon);
      if (!user.isEmpty()) {
        config.setUsername(user);
      }
      if (colon >= 0) {
        config.setPassword(info.substring(colon + 1));
      }
    }
    if (properties.getUrl() == null) {
      LOG.info("r4j.redis.url is not set and there is no RedissonClient bean: using {}", DEFAULT_URL);
    }
    return Redisson.create(config);
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
    RedisCircuitBreakerRegistry.Builder builder = RedisCircuitBreakerRegistry.builder(redisson)
        .withKeyPrefix(properties.getKeyPrefix())
        .withSyncInterval(properties.getSyncInterval())
        .withMaxFlushDelay(properties.getMaxFlushDelay())
        .withShardedPubSub(properties.isShardedPubSub())
        .withMinimumReportingNodes(properties.getMinimumReportingNodes())
        .withTags(Map.copyOf(circuitBreakerProperties.getTags()))
        .addRegistryEventConsumer(circuitBreakerRegistryEventConsumer);
    if (properties.getNodeId() != null) {
      builder.withNodeId(properties.getNodeId());
    }
    meterRegistry.ifAvailable(builder::withMeterRegistry);
    circuitBreakerProperties.getConfigs().forEach((name, instance) -> {
      CircuitBreakerConfig config = circuitBreakerProperties.createCircuitBreakerConfig(name, instance, customizers);
      if ("default".equals(name)) {
        builder.withCircuitBreakerConfig(config);
      } else {
        builder.addCircuitBreakerConfig(name, config);
      }
    });
    RedisCircuitBreakerRegistry registry = builder.build();

    // As Resilience4j's CircuitBreakerConfiguration does: the actuator's events endpoint reads
    // a bounded buffer of each breaker's events.
    registry.getEventPublisher()
        .onEntryAdded(event -> consumeEvents(eventConsumerRegistry, circuitBreakerProperties, event.getAddedEntry()))
        .onEntryReplaced(event -> consumeEvents(eventConsumerRegistry, circuitBreakerProperties, event.getNewEntry()));
    circuitBreakerProperties.getInstances().forEach((name, instance) ->
        registry.circuitBreaker(name, circuitBreakerProperties.createCircuitBreakerConfig(name, instance, customizers)));
    return registry;
  }

  private static void consumeEvents(EventConsumerRegistry<CircuitBreakerEvent> consumers,
      CircuitBreakerProperties properties, CircuitBreaker breaker) {
    int bufferSize = properties.findCircuitBreakerProperties(breaker.getName())
        .map(InstanceProperties::getEventConsumerBufferSize)
        .orElse(100);
    breaker.getEventPublisher().onEvent(consumers.createEventConsumer(breaker.getName(), bufferSize));
  }
}
