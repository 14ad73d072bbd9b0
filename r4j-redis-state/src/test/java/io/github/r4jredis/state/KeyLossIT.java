package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.api.RedissonClient;

/**
 * Keys of a breaker lost (evicted by a cache Redis's {@code allkeys-*} policy, deleted by hand,
 * or the whole database flushed): the shared state heals at the next flush, with no frozen or
 * phantom window, and an OPEN breaker stays OPEN.
 */
@Tag("fault")
@RedisTest
class KeyLossIT {

  private static final int NODES = 3;
  private static final String NAME = "payments";

  /** What is lost, and whether the window's calls go with it. */
  enum Loss {
    WINDOW(SlidingWindowType.COUNT_BASED, true, p -> List.of(key(p, "window"))),
    BUCKETS(SlidingWindowType.TIME_BASED, true, p -> List.of(key(p, "buckets"))),
    STATE(SlidingWindowType.COUNT_BASED, true, p -> List.of(key(p, "state"))),
    NODES(SlidingWindowType.COUNT_BASED, false, p -> List.of(key(p, "nodes"))),
    EVERY_KEY(SlidingWindowType.TIME_BASED, true, p -> List.of(key(p, "state"), key(p, "nodes"), key(p, "buckets")));

    final SlidingWindowType window;
    final boolean losesCalls;
    final Function<String, List<String>> keys;

    Loss(SlidingWindowType window, boolean losesCalls, Function<String, List<String>> keys) {
      this.window = window;
      this.losesCalls = losesCalls;
      this.keys = keys;
    }
  }

  private static String key(String prefix, String part) {
    return prefix + ":{" + NAME + "}:" + part;
  }

  private static CircuitBreakerConfig config(SlidingWindowType window) {
    return CircuitBreakerConfig.custom()
        .slidingWindow(window == SlidingWindowType.COUNT_BASED ? 10 : 60, 10, window)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(5))
        .build();
  }

  /**
   * Four failures in the fleet's window (10 calls, 50 %), then the keys go: the next failures
   * count from an empty window (or on from four, when no calls were lost), one by one, each
   * exactly as Redis reports it; the fleet opens at the tenth call of its window.
   */
  @ParameterizedTest
  @EnumSource(Loss.class)
  void aLostKeyHealsAtTheNextFlushWithNoFrozenOrPhantomCalls(Loss loss, RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config(loss.window))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      for (int i = 0; i < 4; i++) {
        failOn(fleet, i, i + 1);
      }
      RedissonClient admin = fleet.clients.get(0);
      for (String key : loss.keys.apply(prefix)) {
        assertThat(admin.getKeys().delete(key)).as(key).isEqualTo(1);
      }

      int counted = loss.losesCalls ? 0 : 4;
      int needed = 0;
      while (sharedState(fleet) != State.OPEN) {
        assertThat(needed).as("failures after the loss before the fleet opened").isLessThan(10);
        counted++;
        needed++;
        failOn(fleet, 4 + needed, counted);
      }
      assertThat(needed).isEqualTo(loss.losesCalls ? 10 : 6);
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));
      System.out.printf("FIGURE %s lost at 4 of 10 failures: the fleet opened after %d more failed calls (%s)%n",
          loss, needed, loss.losesCalls ? "an empty window: 10 needed" : "no calls lost: 6 needed");
    }
  }

  /** One failure on node {@code call % NODES}, awaited until Redis's window holds {@code expected}. */
  private static void failOn(Fleet fleet, int call, int expected) {
    RedisCircuitBreaker breaker = fleet.breaker(call % NODES, NAME);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
    await().atMost(Fleet.AWAIT).ignoreExceptions().untilAsserted(() -> {
      SharedBreakerState state = fleet.node(0).sharedBreaker(NAME).orElseThrow(); // none until re-seeded
      if (state.state() == State.CLOSED) {
        assertThat(state.failedCalls()).as("failed calls in Redis's window").isEqualTo(expected);
        assertThat(state.calls()).isEqualTo(expected);
      }
    });
  }

  private static State sharedState(Fleet fleet) {
    return fleet.node(0).sharedBreaker(NAME).map(SharedBreakerState::state).orElse(State.CLOSED);
  }

  /** FLUSHDB while the fleet is OPEN: no node reports CLOSED, and Redis has it OPEN again at once. */
  @Test
  void aFlushedDatabaseKeepsAnOpenFleetOpen(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config(SlidingWindowType.COUNT_BASED))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      breakers.get(0).transitionToOpenStateFor(Duration.ofMinutes(5));
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));

      fleet.clients.get(0).getKeys().flushdb();
      long flushed = System.nanoTime();
      Optional<SharedBreakerState> back = Optional.empty();
      while (back.isEmpty() || back.get().state() != State.OPEN) {
        assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.OPEN));
        assertThat(System.nanoTime() - flushed).isLessThan(Fleet.AWAIT.toNanos());
        back = fleet.node(1).sharedBreaker(NAME);
      }
      long reseeded = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flushed);
      assertThat(back.get().openUntil()).isPresent();
      System.out.printf("FIGURE FLUSHDB while OPEN: Redis had the breaker OPEN again %d ms later; no node left OPEN%n",
          reseeded);
    }
  }

  /**
   * Redis restarted empty while every node was LOCAL: the outcomes each node counted meanwhile
   * are merged once when they rejoin, whichever node re-seeds first.
   */
  @Test
  void outcomesCountedWhileRedisWasAwayAreMergedFromEveryNode(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(20, 20, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(5))
        .build();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config)) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      redis.kill();
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
      for (RedisCircuitBreaker breaker : breakers) {
        for (int i = 0; i < 5; i++) {
          assertThat(breaker.tryAcquirePermission()).isTrue();
          if (i < 3) {
            breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
          } else {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
          }
        }
      }
      redis.restartEmpty();
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
      await().atMost(Fleet.AWAIT).ignoreExceptions().untilAsserted(() -> {
        SharedBreakerState state = fleet.node(0).sharedBreaker(NAME).orElseThrow();
        assertThat(state.calls()).isEqualTo(15);
        assertThat(state.failedCalls()).isEqualTo(9);
        assertThat(state.state()).isEqualTo(State.CLOSED);
      });
      System.out.printf("FIGURE restarted empty while %d nodes were LOCAL: all 15 calls they counted meanwhile"
          + " (9 failed) are in the fleet's window after they rejoined%n", NODES);
    }
  }
}
