package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void retriesUntilTheMaximumWithPerOperationOverrides() {
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).maxAttempts("send-webhook", 10).build();

    assertThat(policy.shouldRetry("create-booking", 1)).isTrue();
    assertThat(policy.shouldRetry("create-booking", 2)).isTrue();
    assertThat(policy.shouldRetry("create-booking", 3)).isFalse();
    assertThat(policy.shouldRetry("send-webhook", 9)).isTrue();
    assertThat(policy.shouldRetry("send-webhook", 10)).isFalse();
    assertThat(policy.retryConfiguration().maxAttemptsByOperation()).isEqualTo(Map.of("send-webhook", 10));
  }

  @Test
  void oneAttemptMeansNoRetry() {
    assertThat(RetryPolicy.builder().maxAttempts(1).build().shouldRetry("x", 1)).isFalse();
  }

  @Test
  void backoffGrowsExponentiallyWithinTheJitterAndStopsAtTheMaximum() {
    RetryPolicy policy = RetryPolicy.builder()
        .initialInterval(Duration.ofSeconds(1)).multiplier(2).randomization(0.5).maxInterval(Duration.ofSeconds(10))
        .build();

    for (int i = 0; i < 1000; i++) {
      assertThat(policy.backoff(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
      assertThat(policy.backoff(3)).isBetween(Duration.ofMillis(2000), Duration.ofMillis(6000));
      assertThat(policy.backoff(20)).isLessThanOrEqualTo(Duration.ofSeconds(10));
    }
  }

  @Test
  void withoutRandomizationTheBackoffIsExact() {
    RetryPolicy policy = RetryPolicy.builder()
        .initialInterval(Duration.ofMillis(100)).multiplier(3).randomization(0).build();

    assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(300));
    assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(900));
  }

  @Test
  void defaultsAreDocumented() {
    RetryPolicy.Configuration defaults = RetryPolicy.ofDefaults().retryConfiguration();

    assertThat(defaults.maxAttempts()).isEqualTo(5);
    assertThat(defaults.initialInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(defaults.multiplier()).isEqualTo(2.0);
    assertThat(defaults.randomization()).isEqualTo(0.5);
    assertThat(defaults.maxInterval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts must be at least 1, was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().initialInterval(Duration.ZERO))
        .hasMessage("initialInterval must be positive, was PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5)).hasMessage("multiplier must be at least 1, was 0.5");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(Double.NaN)).hasMessage("multiplier must be at least 1, was NaN");
    assertThatThrownBy(() -> RetryPolicy.builder().randomization(1)).hasMessage("randomization must be in [0,1), was 1.0");
    assertThatThrownBy(() -> RetryPolicy.builder().initialInterval(Duration.ofMinutes(2))
        .maxInterval(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxInterval (PT1M) must not be shorter than initialInterval (PT2M)");
  }
}
