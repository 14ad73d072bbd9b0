package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BoundsTest {

  @Test
  void aValueWithinItsBoundsComesBack() {
    assertThat(Bounds.atLeast("claimAfter", Duration.ofMillis(100), Duration.ofMillis(100))).hasMillis(100);
    assertThat(Bounds.notNegative("delay", Duration.ZERO)).isZero();
    assertThat(Bounds.within("syncInterval", Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofSeconds(10)))
        .hasSeconds(10);
    assertThat(Bounds.atLeast("batchSize", 1, 1)).isEqualTo(1);
    assertThat(Bounds.atLeast("maximumSize", 5L, 1L)).isEqualTo(5L);
    assertThat(Bounds.within("maxHistory", 1_000_000, 10, 1_000_000)).isEqualTo(1_000_000);
  }

  @Test
  void aValueOutOfItsBoundsIsRefusedNamingTheSettingTheBoundsAndTheValue() {
    assertThatThrownBy(() -> Bounds.atLeast("claimAfter", Duration.ofMillis(10), Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("claimAfter must be at least 100 ms, was PT0.01S");
    assertThatThrownBy(() -> Bounds.atLeast("retention", Duration.ofMillis(999), Duration.ofSeconds(1)))
        .hasMessage("retention must be at least 1 s, was PT0.999S");
    assertThatThrownBy(() -> Bounds.atLeast("window", Duration.ofMinutes(1), Duration.ofMinutes(10)))
        .hasMessage("window must be at least 10 min, was PT1M");
    assertThatThrownBy(() -> Bounds.atLeast("tick", Duration.ZERO, Duration.ofNanos(500)))
        .hasMessage("tick must be at least PT0.0000005S, was PT0S");
    assertThatThrownBy(() -> Bounds.atLeast("pause", Duration.ZERO, Duration.ofMillis(1500)))
        .hasMessage("pause must be at least 1500 ms, was PT0S");
    assertThatThrownBy(() -> Bounds.notNegative("delay", Duration.ofSeconds(-1)))
        .hasMessage("delay must not be negative, was PT-1S");
    assertThatThrownBy(() -> Bounds.within("syncInterval", Duration.ZERO, Duration.ofMillis(1), Duration.ofSeconds(10)))
        .hasMessage("syncInterval must be in [PT0.001S, PT10S], was PT0S");
    assertThatThrownBy(() -> Bounds.atLeast("batchSize", 0, 1)).hasMessage("batchSize must be at least 1, was 0");
    assertThatThrownBy(() -> Bounds.within("maxHistory", 9, 10, 1_000_000))
        .hasMessage("maxHistory must be in [10,1000000], was 9");
  }

  @Test
  void aMissingValueIsANullPointerNamingTheSetting() {
    assertThatThrownBy(() -> Bounds.atLeast("claimAfter", null, Duration.ofMillis(100)))
        .isInstanceOf(NullPointerException.class).hasMessage("claimAfter");
    assertThatThrownBy(() -> Bounds.notNegative("delay", null)).hasMessage("delay");
    assertThatThrownBy(() -> Bounds.within("syncInterval", null, Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessage("syncInterval");
  }
}
