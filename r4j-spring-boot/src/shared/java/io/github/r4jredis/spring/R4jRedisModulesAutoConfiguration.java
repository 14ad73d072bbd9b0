package io.github.r4jredis.spring;

import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.health.CascadeDetector;
import io.github.r4jredis.health.DependencyGraph;
import io.github.r4jredis.health.HealthMonitor;
import io.github.r4jredis.health.StateOverview;
import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.List;
import java.util.function.Supplier;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authorization.AuthorizationEventPublisher;
import org.springframework.security.authorization.SpringAuthorizationEventPublisher;
import org.springframework.security.authorization.event.AuthorizationDeniedEvent;
import org.springframework.web.bind.annotation.RestController;

/**
 * The feature modules, each when it is on the class path and not switched off
 * ({@code r4j.redis.fallback|health|slo.enabled}): fallback builders, the cascade detector and
 * state overview, the SLO monitor bound to every breaker.
 */
@AutoConfiguration(after = R4jRedisAutoConfiguration.class)
@ConditionalOnBean(RedisCircuitBreakerRegistry.class)
public class R4jRedisModulesAutoConfiguration {

  static MeterRegistry meters(ObjectProvider<MeterRegistry> provider) {
    return provider.getIfAvailable(() -> Metrics.globalRegistry);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RetryQueue.class)
  @ConditionalOnProperty(prefix = "r4j.redis.fallback", name = "enabled", matchIfMissing = true)
  static class Fallback {

    @Bean
    @ConditionalOnMissingBean
    R4jRedisFallbacks r4jRedisFallbacks(RedissonClient redisson, RedisCircuitBreakerRegistry registry,
        ObjectProvider<MeterRegistry> meters) {
      return new R4jRedisFallbacks(redisson, registry, meters(meters));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(StateOverview.class)
  @ConditionalOnProperty(prefix = "r4j.redis.health", name = "enabled", matchIfMissing = true)
  static class Health {

    /** The graph of {@code r4j.redis.health.dependencies}, unless the application defines one. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "r4j.redis.health", name = "dependencies")
    DependencyGraph r4jDependencyGraph(R4jRedisProperties properties) {
      return DependencyGraph.of(properties.getHealth().getDependencies());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(DependencyGraph.class)
    CascadeDetector cascadeDetector(DependencyGraph graph, RedisCircuitBreakerRegistry registry,
        ObjectProvider<MeterRegistry> meters) {
      return CascadeDetector.of(graph, registry, meters(meters));
    }

    /** Cascades as the SLO monitor reads them, one sentence each. */
    @Bean(name = "r4jCascades")
    @ConditionalOnBean(CascadeDetector.class)
    Supplier<List<String>> r4jCascades(CascadeDetector detector) {
      return () -> detector.detectCascadingFailures().stream().map(Object::toString).toList();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    StateOverview stateOverview(RedisCircuitBreakerRegistry registry, RedissonClient redisson,
        ObjectProvider<CascadeDetector> cascades, ObjectProvider<HealthMonitor> health,
        ObjectProvider<MeterRegistry> meters) {
      StateOverview.Builder builder = StateOverview.builder(registry, redisson).meterRegistry(meters(meters));
      cascades.ifAvailable(builder::cascadeDetector);
      health.ifAvailable(builder::healthMonitor);
      return builder.build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({RestController.class, StateOverview.class, SloMonitor.class})
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnProperty(prefix = "r4j.redis.api", name = "enabled", havingValue = "true")
  static class Api {

    @Bean
    @ConditionalOnMissingBean
    R4jMonitoringController r4jMonitoringController(RedisCircuitBreakerRegistry registry,
        ObjectProvider<StateOverview> overview, ObjectProvider<HealthMonitor> health, ObjectProvider<SloMonitor> slo) {
      return new R4jMonitoringController(registry, overview, health, slo);
    }

    /** Spring Security's refusals of the actions (401, 403, wrong passwords) in the audit trail. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(AuthorizationDeniedEvent.class)
    static class SecurityAudit {

      @Bean
      R4jSecurityAudit r4jSecurityAudit() {
        return new R4jSecurityAudit();
      }

      /** Without one, Spring Security publishes no {@link AuthorizationDeniedEvent} at all. */
      @Bean
      @ConditionalOnMissingBean
      AuthorizationEventPublisher authorizationEventPublisher(ApplicationEventPublisher events) {
        return new SpringAuthorizationEventPublisher(events);
      }
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(SloMonitor.class)
  @ConditionalOnProperty(prefix = "r4j.redis.slo", name = "enabled", matchIfMissing = true)
  static class Slo {

    /** Fleet-wide SLOs of every breaker of the registry, also ones created later. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SloMonitor sloMonitor(RedissonClient redisson, RedisCircuitBreakerRegistry registry,
        @Qualifier("r4jCascades") ObjectProvider<Supplier<List<String>>> cascades,
        ObjectProvider<MeterRegistry> meters) {
      SloMonitor.Builder builder = SloMonitor.builder(redisson)
          .keyPrefix(registry.keyPrefix())
          .nodeId(registry.nodeId())
          .meterRegistry(meters(meters));
      cascades.ifAvailable(builder::cascades);
      return builder.build().bindAll(registry);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class SloEndpointConfiguration {

      @Bean
      @ConditionalOnMissingBean
      @ConditionalOnAvailableEndpoint
      R4jSloEndpoint r4jSloEndpoint(SloMonitor monitor) {
        return new R4jSloEndpoint(monitor);
      }
    }
  }
}
