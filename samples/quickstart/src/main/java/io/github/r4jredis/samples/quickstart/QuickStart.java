package io.github.r4jredis.samples.quickstart;

import io.github.r4jredis.state.FleetMetrics;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.function.Supplier;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

public class QuickStart {

  public static void main(String[] args) {
    Config config = new Config();                                // single server, Sentinel or Cluster
    config.useSingleServer().setAddress(args.length > 0 ? args[0] : "redis://127.0.0.1:6379");
    config.setLazyInitialization(true);                          // starts even while Redis is down
    RedissonClient redisson = Redisson.create(config);

    RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(redisson)
        .withCircuitBreakerConfig(CircuitBreakerConfig.custom()  // Resilience4j's own config
            .failureRateThreshold(50)
            .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
            .build())
        .keyPrefix("quickstart")                             // default "r4j"
        .build();                                                // never blocks on Redis

    CircuitBreaker calcom = registry.circuitBreaker("calcom");   // a Resilience4j CircuitBreaker
    Supplier<String> slots = CircuitBreaker.decorateSupplier(calcom, QuickStart::fetchSlots);
    for (int call = 1; call <= 15; call++) {
      try {
        System.out.println("call " + call + ": " + slots.get());
      } catch (CallNotPermittedException e) {
        System.out.println("call " + call + ": not permitted, calcom is " + calcom.getState());
      } catch (IllegalStateException e) {
        System.out.println("call " + call + ": failed, " + e.getMessage());
      }
    }

    RedisCircuitBreaker shared = (RedisCircuitBreaker) calcom;
    FleetMetrics fleet = shared.fleetMetrics();                  // the fleet's window, every node's calls
    System.out.println("sync mode " + shared.syncMode()         // LOCAL after 500 ms without an answer
        + ", fleet window " + fleet.getNumberOfFailedCalls() + " failed of " + fleet.getNumberOfBufferedCalls());
    registry.close();                                            // flushes; the shared state stays in Redis
    redisson.shutdown();
  }

  private static String fetchSlots() {                          // the dependency, down
    throw new IllegalStateException("calcom is down");
  }
}
