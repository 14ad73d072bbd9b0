package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many threads on ten nodes call two breakers while the dependency flips between healthy and
 * failing; every accepted version, transition, probe permit and flush is recorded and checked:
 * versions only grow on every node, published transitions chain and are legal, no HALF_OPEN
 * episode grants more than its permitted trial calls, no flush is merged twice.
 */
@RedisTest
class ConcurrencyIT {

  private static final int NODES = 10;
  private static final int TRIALS = 3;

  @Test
  void historyOfManyThreadsOnManyNodesKeepsEveryInvariant(RedisServer redis, @KeyPrefix String prefix)
      throws InterruptedException {
    HistoryChecker history = new HistoryChecker();
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMillis(50))
        .permittedNumberOfCallsInHalfOpenState(TRIALS)
        .build();
    AtomicBoolean failing = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger calls = new AtomicInteger();
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config,
        b -> b.trialLeaseDuration(Duration.ofMillis(300)).history(history))) {
      List<RedisCircuitBreaker> all = history.watchAll(fleet, NODES, List.of("calcom", "retell"));
      FleetIT.awaitSeeded(all);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 20; t++) {
        Thread thread = new Thread(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          while (!stop.get()) {
            RedisCircuitBreaker breaker = all.get(random.nextInt(all.size()));
            try {
              if (breaker.tryAcquirePermission()) {
                calls.incrementAndGet();
                boolean fails = failing.get() ? random.nextInt(10) < 8 : random.nextInt(10) < 1;
                if (fails) {
                  breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
                } else {
                  breaker.onSuccess(1, TimeUnit.MILLISECONDS);
                }
              }
            } catch (RuntimeException e) {
              thrown.add(e);
            }
            Thread.onSpinWait();
          }
        });
        threads.add(thread);
        thread.start();
      }
      // Flip the dependency a few times; each flip must show up as opens and recoveries.
      for (int flip = 0; flip < 6; flip++) {
        failing.set(flip % 2 == 0);
        State wanted = failing.get() ? State.OPEN : State.CLOSED;
        await().atMost(Fleet.AWAIT).until(() -> all.stream().anyMatch(b -> b.sharedState() == wanted));
      }
      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
    }

    assertThat(thrown).isEmpty();
    assertThat(calls.get()).isPositive();
    assertThat(history.violations(TRIALS)).isEmpty();
    assertThat(history.transitionsPublished()).isGreaterThan(NODES);
    assertThat(history.episodes()).isPositive();
    System.out.printf("concurrency: %d calls, %d HALF_OPEN episodes, %d flushes merged, %d transitions%n",
        calls.get(), history.episodes(), history.flushesMerged(), history.transitionsPublished());
  }
}
