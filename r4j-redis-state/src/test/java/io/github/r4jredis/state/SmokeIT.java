package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@RedisTest
class SmokeIT {

  @Test
  void twoNodesShareOneBreaker(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindowSize(10).minimumNumberOfCalls(10).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMillis(300)).permittedNumberOfCallsInHalfOpenState(2)
        .build();
    try (Fleet fleet = new Fleet(redis, 2, prefix, config)) {
      RedisCircuitBreaker a = fleet.breaker(0, "calcom");
      RedisCircuitBreaker b = fleet.breaker(1, "calcom");
      await().atMost(Fleet.AWAIT).until(() -> a.stateVersion() > 0 && b.stateVersion() > 0);
      for (int i = 0; i < 3; i++) {
        a.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
        b.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
      }
      for (int i = 0; i < 4; i++) {
        b.onSuccess(1, TimeUnit.MILLISECONDS);
      }
      // 6 failures of 10 fleet-wide; no node alone holds 10 calls.
      assertThat(a.getState()).isEqualTo(State.CLOSED);
      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(a.getState()).isEqualTo(State.OPEN);
        assertThat(b.getState()).isEqualTo(State.OPEN);
      });
      assertThat(a.tryAcquirePermission()).isFalse();

      await().atMost(Fleet.AWAIT).until(() -> a.tryAcquirePermission() || b.tryAcquirePermission());
      RedisCircuitBreaker holder = a.getState() == State.HALF_OPEN && a.sharedState() == State.HALF_OPEN ? a : b;
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(a.sharedState()).isEqualTo(State.HALF_OPEN));
      holder.onSuccess(1, TimeUnit.MILLISECONDS);
      assertThat(holder.tryAcquirePermission()).isTrue();
      holder.onSuccess(1, TimeUnit.MILLISECONDS);
      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(a.getState()).isEqualTo(State.CLOSED);
        assertThat(b.getState()).isEqualTo(State.CLOSED);
      });
    }
  }
}
