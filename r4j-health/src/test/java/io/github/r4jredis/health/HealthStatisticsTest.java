package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.health.HealthStatistics.Trend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthStatisticsTest {

  private static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");

  private static ProbeResult up(int second, int millis) {
    return ProbeResult.up("db", Duration.ofMillis(millis), T0.plusSeconds(second), "n");
  }

  private static ProbeResult down(int second) {
    return ProbeResult.down("db", Duration.ofSeconds(3), T0.plusSeconds(second), "n", "refused");
  }

  @Test
  void uptimeAndLatencyComeFromThePassedChecks() {
    List<ProbeResult> history = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      history.add(up(i, i));
    }
    history.add(down(101));
    history.add(down(102));

    HealthStatistics stats = HealthStatistics.of(history);

    assertThat(stats.samples()).isEqualTo(102);
    assertThat(stats.uptimePercent()).isCloseTo(100 * 100.0 / 102, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(stats.latencyAvg()).isEqualTo(Duration.ofNanos(50_500_000));
    assertThat(stats.latencyMin()).isEqualTo(Duration.ofMillis(1));
    assertThat(stats.latencyMax()).isEqualTo(Duration.ofMillis(100));
    assertThat(stats.latencyP95()).isEqualTo(Duration.ofMillis(95));
    assertThat(stats.latencyP99()).isEqualTo(Duration.ofMillis(99));
  }

  @Test
  void meanTimeToRecoverAveragesTheOutagesThatEnded() {
    List<ProbeResult> history = List.of(up(0, 5), down(10), down(20), up(30, 5), up(40, 5), down(60), up(100, 5),
        down(110), down(130));

    HealthStatistics stats = HealthStatistics.of(history);

    assertThat(stats.meanTimeToRecover()).contains(Duration.ofSeconds(30)); // 20 s and 40 s
    assertThat(stats.outages()).isEqualTo(3);
    assertThat(stats.currentOutage()).contains(Duration.ofSeconds(20));
  }

  @Test
  void orderDoesNotMatter() {
    List<ProbeResult> history = new ArrayList<>(List.of(up(30, 5), down(10), up(0, 5), down(20)));

    assertThat(HealthStatistics.of(history).meanTimeToRecover()).contains(Duration.ofSeconds(20));
  }

  @Test
  void theTrendComparesTheRecentHalfWithTheOlder() {
    List<ProbeResult> failingMore = new ArrayList<>();
    List<ProbeResult> faster = new ArrayList<>();
    List<ProbeResult> steady = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      failingMore.add(i >= 20 && i % 5 == 0 ? down(i) : up(i, 10));
      faster.add(up(i, i < 20 ? 100 : 50));
      steady.add(up(i, 100 + i % 3));
    }

    assertThat(HealthStatistics.of(failingMore).trend()).isEqualTo(Trend.DEGRADING);
    assertThat(HealthStatistics.of(faster).trend()).isEqualTo(Trend.IMPROVING);
    assertThat(HealthStatistics.of(steady).trend()).isEqualTo(Trend.STABLE);
    assertThat(HealthStatistics.of(failingMore.subList(20, 29)).trend()).as("too few").isEqualTo(Trend.STABLE);
  }

  @Test
  void anEmptyHistoryHasNoUptime() {
    HealthStatistics stats = HealthStatistics.of(List.of());

    assertThat(stats.uptimePercent()).isNaN();
    assertThat(stats.latencyP99()).isZero();
    assertThat(stats.meanTimeToRecover()).isEmpty();
    assertThat(stats.trend()).isEqualTo(Trend.STABLE);
  }
}
