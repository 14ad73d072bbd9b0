package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Windows of the sizes Resilience4j allows, not just the ones tests like: a TIME_BASED window
 * of a day, idle gaps longer than it, a COUNT_BASED window of ten thousand calls. No script limit
 * (Lua's stack, the size of an argument list) is reachable from a valid config.
 */
@RedisTest
class LargeWindowIT {

  private static final String NAME = "payments";

  @Test
  void aTimeBasedWindowOfADayCountsItsSecondsAndForgetsThemAfterLongGaps(RedisServer redis, @KeyPrefix String prefix) {
    MutableClock clock = new MutableClock();
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(86_400, 10, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(5))
        .clock(clock)
        .build();
    try (Fleet fleet = new Fleet(redis, 1, prefix, config)) {
      RedisCircuitBreaker breaker = fleet.breaker(0, NAME);
      FleetIT.awaitSeeded(java.util.List.of(breaker));
      // Calls spread over most of the day, one an hour: every second that held one stays in.
      for (int hour = 0; hour < 9; hour++) {
        call(breaker, hour % 3 == 0);
        clock.advance(Duration.ofHours(1));
      }
      awaitWindow(fleet, 9, 3);
      // Two days of silence: every second left the window; nothing phantom is counted.
      clock.advance(Duration.ofDays(2));
      call(breaker, false);
      awaitWindow(fleet, 1, 0);
      // Nine failures an hour apart make ten calls, 90 % failed: it opens, as Resilience4j's would.
      for (int i = 0; i < 9; i++) {
        clock.advance(Duration.ofHours(1));
        call(breaker, true);
      }
      await().atMost(Fleet.AWAIT).until(() -> sharedState(fleet) == State.OPEN);
      assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }
  }

  @Test
  void aCountBasedWindowOfTenThousandCallsIsExact(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10_000, 10_000, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(60)
        .waitDurationInOpenState(Duration.ofMinutes(5))
        .build();
    try (Fleet fleet = new Fleet(redis, 1, prefix, config)) {
      RedisCircuitBreaker breaker = fleet.breaker(0, NAME);
      FleetIT.awaitSeeded(java.util.List.of(breaker));
      // 12,000 calls alternating (every run one call long: the most runs a flush can carry): the
      // window holds exactly the last 10,000, half of them failed (below the threshold).
      for (int i = 0; i < 12_000; i++) {
        call(breaker, i % 2 == 0);
      }
      awaitWindow(fleet, 10_000, 5_000);
      assertThat(sharedState(fleet)).isEqualTo(State.CLOSED);
      // 2,000 more failures make 6,000 of the last 10,000: 60 %, and it opens.
      for (int i = 0; i < 2_000; i++) {
        call(breaker, true);
      }
      await().atMost(Fleet.AWAIT).until(() -> sharedState(fleet) == State.OPEN);
    }
  }

  private static void call(RedisCircuitBreaker breaker, boolean fails) {
    if (!breaker.tryAcquirePermission()) {
      throw new AssertionError("not permitted: " + breaker.getState());
    }
    if (fails) {
      breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
    } else {
      breaker.onSuccess(1, TimeUnit.MILLISECONDS);
    }
  }

  private static void awaitWindow(Fleet fleet, long calls, long failed) {
    await().atMost(Fleet.AWAIT).ignoreExceptions().untilAsserted(() -> {
      SharedBreakerState state = fleet.node(0).sharedBreaker(NAME).orElseThrow();
      assertThat(state.calls()).as("calls in Redis's window").isEqualTo(calls);
      assertThat(state.failedCalls()).as("failed calls in Redis's window").isEqualTo(failed);
    });
  }

  private static State sharedState(Fleet fleet) {
    return fleet.node(0).sharedBreaker(NAME).map(SharedBreakerState::state).orElse(State.CLOSED);
  }
}
