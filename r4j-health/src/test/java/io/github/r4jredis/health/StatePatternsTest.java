package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Patterns of generated snapshot series whose answers are known. */
class StatePatternsTest {

  private static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");

  private static StateSnapshot.Breaker closed(long version) {
    return new StateSnapshot.Breaker(State.CLOSED, version, T0, Optional.empty(), 10, 0);
  }

  private static StateSnapshot snapshot(Instant at, Map<String, StateSnapshot.Breaker> breakers) {
    return new StateSnapshot(at.toEpochMilli() + "-0", at, "node-1", breakers);
  }

  @Test
  void transitionsAreCountedFromVersionsAndAHourWithSixIsFlapping() {
    List<StateSnapshot> series = new ArrayList<>();
    for (int minute = 0; minute <= 120; minute += 10) {
      // flappy: 2 transitions every 10 minutes during the second hour; steady: 1 per hour
      long flappy = minute <= 60 ? 0 : (minute - 60) / 10 * 2;
      long steady = minute / 60;
      series.add(snapshot(T0.plus(Duration.ofMinutes(minute)), Map.of("flappy", closed(flappy), "steady", closed(steady))));
    }

    StatePatterns patterns = StatePatterns.of(series, ZoneOffset.UTC);

    assertThat(patterns.snapshots()).isEqualTo(13);
    assertThat(patterns.span()).isEqualTo(Duration.ofHours(2));
    assertThat(patterns.transitions()).containsEntry("flappy", 12L).containsEntry("steady", 2L);
    assertThat(patterns.flapping()).containsExactly("flappy");
  }

  @Test
  void aBreakerOpenInHalfTheSnapshotsIsChronicallyOpen() {
    List<StateSnapshot> series = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      StateSnapshot.Breaker calcom = i < 5 ? closed(0) : new StateSnapshot.Breaker(State.OPEN, 1, T0, Optional.empty(), 0, 0);
      StateSnapshot.Breaker retell = i == 9 ? new StateSnapshot.Breaker(State.FORCED_OPEN, 1, T0, Optional.empty(), 0, 0)
          : closed(0);
      series.add(snapshot(T0.plus(Duration.ofMinutes(i)), Map.of("calcom", calcom, "retell", retell)));
    }

    assertThat(StatePatterns.of(series, ZoneOffset.UTC).chronicallyOpen()).containsExactly("calcom");
  }

  @Test
  void opensAtTheSameHourOnSeveralDaysRecur() {
    List<StateSnapshot> series = new ArrayList<>();
    long version = 0;
    for (int day = 0; day < 3; day++) {
      for (int hour = 0; hour < 24; hour++) {
        Instant at = T0.plus(Duration.ofDays(day)).plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(30));
        boolean open = hour == 3 || (day == 1 && hour == 17);
        version += open ? 1 : 0;
        series.add(snapshot(at, Map.of("calcom", open
            ? new StateSnapshot.Breaker(State.OPEN, version, at, Optional.empty(), 0, 0) : closed(version))));
      }
    }

    assertThat(StatePatterns.of(series, ZoneOffset.UTC).recurringOpenHours()).containsEntry("calcom", List.of(3));
    assertThat(StatePatterns.of(series, ZoneOffset.ofHours(2)).recurringOpenHours()).containsEntry("calcom", List.of(5));
  }

  @Test
  void timeInOpenIsExactWhenTheNextTransitionIsSeenAndThePlannedWaitOtherwise() {
    Instant opened = T0.plusSeconds(5);
    Instant reopened = T0.plusSeconds(200);
    List<StateSnapshot> series = List.of(
        snapshot(T0.plusSeconds(10), Map.of("calcom", new StateSnapshot.Breaker(State.OPEN, 1, opened,
            Optional.of(opened.plusSeconds(60)), 0, 0))),
        // the next transition (version 2, HALF_OPEN) is seen: 40 s in OPEN
        snapshot(T0.plusSeconds(100), Map.of("calcom", new StateSnapshot.Breaker(State.HALF_OPEN, 2,
            opened.plusSeconds(40), Optional.empty(), 0, 0))),
        snapshot(T0.plusSeconds(210), Map.of("calcom", new StateSnapshot.Breaker(State.OPEN, 3, reopened,
            Optional.of(reopened.plusSeconds(80)), 0, 0))),
        // several transitions between the two snapshots: the planned wait, 80 s, counts
        snapshot(T0.plusSeconds(400), Map.of("calcom", closed(6))));

    assertThat(StatePatterns.of(series, ZoneOffset.UTC).meanTimeInOpen()).containsEntry("calcom", Duration.ofSeconds(60));
  }

  @Test
  void nothingToSayAboutNothing() {
    StatePatterns patterns = StatePatterns.of(List.of(), ZoneOffset.UTC);

    assertThat(patterns.snapshots()).isZero();
    assertThat(patterns.flapping()).isEmpty();
    assertThat(patterns.meanTimeInOpen()).isEmpty();
  }
}
