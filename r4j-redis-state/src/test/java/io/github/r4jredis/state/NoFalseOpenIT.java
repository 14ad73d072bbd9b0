package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No false opens: ten nodes at 250 calls/s each for 15 s against a dependency whose true
 * failure rate is below the 50 % threshold, on a TIME_BASED window of 10 s (25,000 calls; at
 * least 2,000 before it is judged: a window judged at 100 calls opens by chance at 45 %, one time
 * in five, a single Resilience4j breaker as much as the fleet), through the engine's cadence
 * (successes held while all is well, failures at once). The fleet must never open: at 45 % on
 * every node, and with one node failing every call while the others are healthy and a quorum of
 * 2 nodes is required.
 */
@RedisTest
class NoFalseOpenIT {

  private static final int NODES = 10;
  private static final IOException DOWN = new IOException("down");

  @ParameterizedTest
  @ValueSource(strings = {"every node at 45 %", "one node at 100 %, quorum 2"})
  void aFleetBelowItsThresholdNeverOpens(String scenario, RedisServer redis, @KeyPrefix String prefix)
      throws InterruptedException {
    boolean oneSick = scenario.startsWith("one");
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 2_000, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .build();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config,
        b -> b.minimumReportingNodes(oneSick ? 2 : 1))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      AtomicLong opened = new AtomicLong();
      AtomicLong calls = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
      for (int i = 0; i < NODES; i++) {
        RedisCircuitBreaker breaker = breakers.get(i);
        double failureRate = oneSick ? (i == 0 ? 1.0 : 0.0) : 0.45;
        SplittableRandom random = new SplittableRandom(42 + i);
        load.scheduleAtFixedRate(() -> {
          if (!breaker.tryAcquirePermission()) {
            return;
          }
          calls.incrementAndGet();
          if (random.nextDouble() < failureRate) {
            failures.incrementAndGet();
            breaker.onError(1, TimeUnit.MILLISECONDS, DOWN);
          } else {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
          }
        }, i * 400L, 4_000, TimeUnit.MICROSECONDS);
      }
      long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      try {
        while (System.nanoTime() < end) {
          if (breakers.stream().anyMatch(b -> b.sharedState() == State.OPEN)) {
            opened.incrementAndGet();
          }
          Thread.sleep(10); // sampling, not waiting for anything
        }
      } finally {
        load.shutdownNow();
        load.awaitTermination(5, TimeUnit.SECONDS);
      }
      double fleetRate = breakers.get(1).fleetMetrics().getFailureRate();
      assertThat(opened.get()).as("samples with the fleet OPEN").isZero();
      System.out.printf("FIGURE no false open (%s): %d calls, %.1f %% failed; the fleet's window at %.1f %%;"
          + " never OPEN in 15 s (sampled every 10 ms)%n", scenario, calls.get(),
          100.0 * failures.get() / Math.max(1, calls.get()), fleetRate);
    }
  }
}
