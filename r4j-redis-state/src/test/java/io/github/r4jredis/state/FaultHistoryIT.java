package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.r4jredis.testkit.TcpProxy;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Twenty nodes call two breakers while the dependency flips between healthy and failing and
 * Redis is paused, one node is partitioned, Redis refuses writes (out of memory), and Redis is
 * killed and restarted empty. Every shared state accepted, probe permit, merged flush and published transition is recorded; the
 * history must keep every invariant of a fleet-shared breaker (see {@link HistoryChecker}).
 */
@Tag("fault")
@RedisTest
class FaultHistoryIT {

  private static final int NODES = 20;
  private static final int TRIALS = 3;

  @Test
  void theHistoryOfTwentyNodesThroughPausesPartitionsAndAKillKeepsEveryInvariant(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) throws Exception {
    HistoryChecker history = new HistoryChecker();
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMillis(100))
        .permittedNumberOfCallsInHalfOpenState(TRIALS)
        .build();
    AtomicBoolean failing = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong calls = new AtomicLong();
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    List<String> faults = new ArrayList<>();
    try (TcpProxy proxy = TcpProxy.to(redis);
        Fleet fleet = new Fleet(redis, NODES, prefix, config,
            b -> b.trialLeaseDuration(Duration.ofMillis(300)).history(history),
            node -> node == 0 ? proxy.address() : redis.address())) {
      List<RedisCircuitBreaker> all = history.watchAll(fleet, NODES, List.of("calcom", "retell"));
      FleetIT.awaitSeeded(all);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread thread = new Thread(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          while (!stop.get()) {
            RedisCircuitBreaker breaker = all.get(random.nextInt(all.size()));
            try {
              if (breaker.tryAcquirePermission()) {
                calls.incrementAndGet();
                if (failing.get() ? random.nextInt(10) < 8 : random.nextInt(10) < 1) {
                  breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
                } else {
                  breaker.onSuccess(1, TimeUnit.MILLISECONDS);
                }
              }
              TimeUnit.MICROSECONDS.sleep(200);
            } catch (InterruptedException e) {
              return;
            } catch (RuntimeException e) {
              thrown.add(e);
            }
          }
        }, "caller-" + t);
        threads.add(thread);
        thread.start();
      }

      flip(failing, all, State.OPEN);
      faults.add("Redis paused 1 s");
      redis.pause();
      flip(failing, all, State.CLOSED); // decided locally while Redis is frozen
      TimeUnit.SECONDS.sleep(1);
      redis.resume();
      awaitShared(all);
      flip(failing, all, State.OPEN);

      faults.add("node-0 partitioned 1 s");
      proxy.drop();
      flip(failing, all, State.CLOSED);
      TimeUnit.SECONDS.sleep(1);
      proxy.heal();
      awaitShared(all);

      faults.add("Redis refusing writes (OOM) 1 s");
      try (RedisRefusesIT.Admin admin = new RedisRefusesIT.Admin(redis)) {
        admin.run("CONFIG", "SET", "maxmemory", "1");
        flip(failing, all, State.OPEN); // decided locally while Redis answers but cannot write
        TimeUnit.SECONDS.sleep(1);
        admin.run("CONFIG", "SET", "maxmemory", "0");
      }
      awaitShared(all);
      flip(failing, all, State.CLOSED);

      faults.add("Redis SIGKILLed, restarted empty");
      redis.kill();
      flip(failing, all, State.OPEN);
      redis.restart();
      awaitShared(all);
      flip(failing, all, State.CLOSED);
      flip(failing, all, State.OPEN);
      flip(failing, all, State.CLOSED);

      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
    }

    assertThat(thrown).as("exceptions from the breaker layer").isEmpty();
    assertThat(history.violations(TRIALS)).as("violations of the fleet's invariants").isEmpty();
    assertThat(history.episodes()).isPositive();
    assertThat(history.flushesMerged()).isPositive();
    System.out.printf("FIGURE history: %d nodes, 2 breakers, %d calls through %s: %d shared states accepted,"
        + " %d transitions published, %d HALF_OPEN episodes (at most %d trial calls each), %d flushes merged"
        + " (each once), 0 violations, 0 breaker exceptions%n",
        NODES, calls.get(), String.join(", ", faults), history.versionsAccepted(), history.transitionsPublished(),
        history.episodes(), TRIALS, history.flushesMerged());
  }

  /** Turns the dependency to what makes {@code wanted} and waits until some node's breaker is in it. */
  private static void flip(AtomicBoolean failing, List<RedisCircuitBreaker> all, State wanted) {
    failing.set(wanted == State.OPEN);
    await().atMost(Fleet.AWAIT).until(() -> all.stream().anyMatch(b -> b.getState() == wanted));
  }

  private static void awaitShared(List<RedisCircuitBreaker> all) {
    await().atMost(Fleet.AWAIT).until(() -> all.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
  }
}
