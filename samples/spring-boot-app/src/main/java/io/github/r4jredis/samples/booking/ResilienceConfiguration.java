package io.github.r4jredis.samples.booking;

import io.github.r4jredis.health.HealthMonitor;
import io.github.r4jredis.health.Probe;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The probes: one node of the fleet checks each service per interval, every node reads the result. */
@Configuration(proxyBeanMethods = false)
public class ResilienceConfiguration {

  @Bean(destroyMethod = "close")
  HealthMonitor healthMonitor(RedissonClient redisson, RedisCircuitBreakerRegistry registry,
      SimulatedDependencies dependencies, MeterRegistry meters,
      @Value("${app.probe-interval:PT10S}") Duration interval) {
    Duration probeTimeout = interval.compareTo(Duration.ofSeconds(1)) < 0 ? interval : Duration.ofSeconds(1);
    return HealthMonitor.builder(redisson)
        .keyPrefix(registry.keyPrefix())
        .nodeId(registry.nodeId())
        .circuitBreakerRegistry(registry)
        .meterRegistry(meters)
        .probe(Probe.custom("calcom", limit -> dependencies.request("calcom")).interval(interval).timeout(probeTimeout))
        .probe(Probe.custom("retell", limit -> dependencies.request("retell")).interval(interval).timeout(probeTimeout))
        .probe(Probe.redis("redis", redisson))
        .build();
  }
}
