package io.github.r4jredis.benchmarks;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.redisson.api.RedissonClient;

/**
 * Redis bytes per breaker (MEMORY USAGE of its keys), idle and with a full 60 s TIME_BASED
 * window, for a given number of breakers on one node.
 */
final class Memory {

  /**
   * @param breakers how many breakers
   * @param idleBytes mean bytes per breaker right after creation, no traffic
   * @param fullWindowBytes mean bytes per breaker after 61 s of one call per second each
   */
  record Result(int breakers, double idleBytes, double fullWindowBytes) {}

  private Memory() {}

  static Result measure(RedisServer redis, int count, boolean fullWindow) {
    RedissonClient client = Clients.redisson(redis, null);
    String prefix = "mem" + count + "-" + System.nanoTime() % 100000;
    RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
        .withCircuitBreakerConfig(CircuitBreakerConfig.custom()
            .slidingWindow(60, 100, SlidingWindowType.TIME_BASED).build())
        .keyPrefix(prefix)
        // 1000 flushes per pipeline: 10,000 breakers take 10 pipelines, a second at 100 ms.
        .syncInterval(count > 100 ? Duration.ofMillis(100) : Duration.ofMillis(20))
        .build();
    RedisStats stats = new RedisStats(client);
    try {
      List<CircuitBreaker> breakers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        breakers.add(registry.circuitBreaker("b" + i));
      }
      Fleets.await(() -> breakers.stream().allMatch(b -> ((RedisCircuitBreaker) b).stateVersion() > 0));
      double idle = meanBytes(stats, prefix, count);
      double full = Double.NaN;
      if (fullWindow) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(61);
        while (System.nanoTime() < end) {
          long second = System.nanoTime();
          for (CircuitBreaker breaker : breakers) {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
          }
          LockSupport.parkNanos(Math.max(0, TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - second)));
        }
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3)); // the last flushes
        full = meanBytes(stats, prefix, count);
      }
      return new Result(count, idle, full);
    } finally {
      registry.close();
      client.shutdown();
    }
  }

  private static double meanBytes(RedisStats stats, String prefix, int count) {
    int samples = Math.min(count, 200);
    long total = 0;
    for (int i = 0; i < samples; i++) {
      total += stats.breakerBytes(prefix, "b" + (i * (count / samples)));
    }
    return (double) total / samples;
  }
}
