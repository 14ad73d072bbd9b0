package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One node with 5,000 breakers, every one of them recording calls all the time, so that every
 * pipeline is full of flushes: the trial episode of the one breaker that opened is not held up
 * behind them (its start and verdict go first), runs exactly its permitted trial calls, and
 * closes the breaker in Redis within two seconds of its wait in OPEN.
 */
@RedisTest
class LargeRegistryIT {

  private static final int BUSY = 5_000;
  private static final int TRIALS = 3;

  @Test
  void aTrialEpisodeAmongThousandsOfBusyBreakersIsNotHeldUp(RedisServer redis, @KeyPrefix String prefix)
      throws InterruptedException {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .permittedNumberOfCallsInHalfOpenState(TRIALS)
        .build();
    try (Fleet fleet = new Fleet(redis, 1, prefix, config)) {
      RedisCircuitBreakerRegistry registry = fleet.registries.get(0);
      List<CircuitBreaker> busy = new ArrayList<>();
      for (int i = 0; i < BUSY; i++) {
        busy.add(registry.circuitBreaker("busy-" + i));
      }
      RedisCircuitBreaker target = (RedisCircuitBreaker) registry.circuitBreaker("target");
      FleetIT.awaitSeeded(List.of(target));
      AtomicBoolean running = new AtomicBoolean(true);
      Thread traffic = new Thread(() -> {
        while (running.get()) {
          for (CircuitBreaker breaker : busy) {
            if (breaker.tryAcquirePermission()) {
              breaker.onSuccess(1, TimeUnit.MILLISECONDS);
            }
          }
        }
      }, "busy-traffic");
      traffic.start();
      try {
        await().atMost(Fleet.AWAIT).until(() -> busy.get(BUSY - 1).getMetrics().getNumberOfBufferedCalls() > 0);
        for (int i = 0; i < 10; i++) {
          target.acquirePermission();
          target.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
        }
        await().atMost(Fleet.AWAIT).until(() -> target.sharedState() == State.OPEN);
        long opened = System.nanoTime();

        int trials = 0;
        long deadline = opened + TimeUnit.SECONDS.toNanos(10);
        while (target.sharedState() != State.CLOSED && System.nanoTime() < deadline) {
          boolean trial = target.getState() == State.HALF_OPEN;
          if (target.tryAcquirePermission()) {
            trials += trial || target.getState() == State.HALF_OPEN ? 1 : 0; // the call that began the episode too
            target.onSuccess(1, TimeUnit.MILLISECONDS);
          }
          Thread.sleep(1);
        }
        long closedMillis = (System.nanoTime() - opened) / 1_000_000;

        assertThat(target.sharedState()).isEqualTo(State.CLOSED);
        assertThat(trials).isEqualTo(TRIALS);
        assertThat(closedMillis).as("ms from the fleet's OPEN to its CLOSED (wait 1 s)").isLessThan(3_000);
        System.out.printf("FIGURE %d busy breakers on one node, every pipeline full: the one that opened closed"
            + " in Redis %d ms after it opened (wait 1 s), with exactly %d trial calls%n", BUSY, closedMillis, trials);
      } finally {
        running.set(false);
        traffic.join();
      }
    }
  }
}
