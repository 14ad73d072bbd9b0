package io.github.r4jredis.slo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How alert messages say a duration. */
class HumanDurationTest {

  /** Regression: the BREAKER_OPEN alert printed "2 s" for 2.523 s, which reads as under the 2 s asked. */
  @Test
  void underAMinuteItIsToTheTenth() {
    assertThat(RedisSloMonitor.human(Duration.ofMillis(2_523))).isEqualTo("2.5 s");
    assertThat(RedisSloMonitor.human(Duration.ofSeconds(2))).isEqualTo("2 s");
    assertThat(RedisSloMonitor.human(Duration.ofMillis(59_960))).isEqualTo("60 s");
  }

  @Test
  void longerItIsInWholeUnits() {
    assertThat(RedisSloMonitor.human(Duration.ofMinutes(3))).isEqualTo("3 min");
    assertThat(RedisSloMonitor.human(Duration.ofSeconds(125))).isEqualTo("2 min 5 s");
    assertThat(RedisSloMonitor.human(Duration.ofHours(2))).isEqualTo("2 h");
    assertThat(RedisSloMonitor.human(Duration.ofDays(30))).isEqualTo("30 days");
  }
}
