package io.github.r4jredis.spring;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties.InstanceProperties;
import io.github.resilience4j.consumer.EventConsumerRegistry;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/**
 * What both starters' {@code R4jRedisAutoConfiguration} and health indicator build, written once:
 * they differ only in where Spring Boot and Resilience4j keep the types they name
 * ({@code resilience4j-spring-boot3} or {@code -spring-boot4}; {@code org.springframework.boot.actuate.health}
 * or {@code org.springframework.boot.health}). Resilience4j's properties come in as the common
 * type both of its Spring Boot modules extend.
 */
final class R4jRedisRegistries {

  private static final Logger LOG = LoggerFactory.getLogger(R4jRedisRegistries.class);

  /** Used when neither a {@link RedissonClient} bean nor {@code r4j.redis.url} is given. */
  static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  private R4jRedisRegistries() {}

  /** A client on {@code r4j.redis.url} that connects on first use, never at start-up. */
  static RedissonClient lazyClient(R4jRedisProperties properties) {
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

  /**
   * The fleet-shared registry, built as Resilience4j builds its own: configs with the
   * customizers, tags, the registry event consumer (Micrometer), an event consumer per breaker
   * for the actuator's events endpoint, and {@code .instances.*} created up front.
   */
  static RedisCircuitBreakerRegistry registry(RedissonClient redisson, R4jRedisProperties properties,
      CommonCircuitBreakerConfigurationProperties circuitBreakerProperties,
      EventConsumerRegistry<CircuitBreakerEvent> eventConsumerRegistry,
      RegistryEventConsumer<CircuitBreaker> circuitBreakerRegistryEventConsumer,
      CompositeCustomizer<CircuitBreakerConfigCustomizer> customizers, ObjectProvider<MeterRegistry> meterRegistry) {
    RedisCircuitBreakerRegistry.Builder builder = RedisCircuitBreakerRegistry.builder(redisson)
        .keyPrefix(properties.getKeyPrefix())
        .syncInterval(properties.getSyncInterval())
        .maxFlushDelay(properties.getMaxFlushDelay())
        .shardedPubSub(properties.isShardedPubSub())
        .minimumReportingNodes(properties.getMinimumReportingNodes())
        .withTags(Map.copyOf(circuitBreakerProperties.getTags()))
        .addRegistryEventConsumer(circuitBreakerRegistryEventConsumer);
    if (properties.getNodeId() != null) {
      builder.nodeId(properties.getNodeId());
    }
    meterRegistry.ifAvailable(builder::meterRegistry);
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
      CommonCircuitBreakerConfigurationProperties properties, CircuitBreaker breaker) {
    int bufferSize = properties.findCircuitBreakerProperties(breaker.getName())
        .map(InstanceProperties::getEventConsumerBufferSize)
        .orElse(100);
    breaker.getEventPublisher().onEvent(consumers.createEventConsumer(breaker.getName(), bufferSize));
  }

  /** The details of the {@code r4jRedis} health component (always UP: see the indicators). */
  static Map<String, Object> healthDetails(RedisCircuitBreakerRegistry registry) {
    List<String> open = registry.getAllCircuitBreakers().stream()
        .filter(b -> b.getState() == State.OPEN || b.getState() == State.FORCED_OPEN)
        .map(CircuitBreaker::getName).sorted().toList();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("syncMode", registry.syncMode().name());
    details.put("fleetWide", registry.syncMode() == SyncMode.SHARED);
    details.put("nodeId", registry.nodeId());
    details.put("breakers", registry.getAllCircuitBreakers().size());
    details.put("open", open);
    return details;
  }
}
