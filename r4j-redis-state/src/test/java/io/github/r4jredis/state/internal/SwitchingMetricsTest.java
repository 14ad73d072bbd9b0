package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One Metrics object whose every read asks the window that applies at that moment. */
class SwitchingMetricsTest {

  @Test
  void everyReadAsksTheWindowThatAppliesNow() {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom().slidingWindowSize(10).minimumNumberOfCalls(10)
        .slowCallDurationThreshold(java.time.Duration.ofMillis(100)).build();
    CircuitBreaker fleet = CircuitBreaker.of("fleet", config);
    CircuitBreaker local = CircuitBreaker.of("local", config);
    fleet.onError(200, TimeUnit.MILLISECONDS, new RuntimeException());
    fleet.onSuccess(1, TimeUnit.MILLISECONDS);
    for (int i = 0; i < 3; i++) {
      local.onSuccess(1, TimeUnit.MILLISECONDS);
    }
    AtomicReference<CircuitBreaker.Metrics> applies = new AtomicReference<>(fleet.getMetrics());
    AtomicLong notPermitted = new AtomicLong(7);
    CircuitBreaker.Metrics metrics = new SwitchingMetrics(applies::get, notPermitted::get);

    assertThat(metrics.getNumberOfBufferedCalls()).isEqualTo(2);
    assertThat(metrics.getNumberOfFailedCalls()).isEqualTo(1);
    assertThat(metrics.getNumberOfSuccessfulCalls()).isEqualTo(1);
    assertThat(metrics.getNumberOfSlowCalls()).isEqualTo(1);
    assertThat(metrics.getNumberOfSlowFailedCalls()).isEqualTo(1);
    assertThat(metrics.getNumberOfSlowSuccessfulCalls()).isZero();
    assertThat(metrics.getFailureRate()).as("under the minimum number of calls").isEqualTo(-1f);
    assertThat(metrics.getNumberOfNotPermittedCalls()).isEqualTo(7);

    applies.set(local.getMetrics());
    notPermitted.set(9);
    assertThat(metrics.getNumberOfBufferedCalls()).isEqualTo(3);
    assertThat(metrics.getNumberOfFailedCalls()).isZero();
    assertThat(metrics.getNumberOfSlowCalls()).isZero();
    assertThat(metrics.getSlowCallRate()).isEqualTo(-1f);
    assertThat(metrics.getNumberOfNotPermittedCalls()).isEqualTo(9);
  }
}
