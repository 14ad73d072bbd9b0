package io.github.r4jredis.slo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.slo.internal.FleetStore.Transition;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Time in each state within a window, from the fleet's transition log. */
class TimelineTest {

  private static final long HOUR = 3_600_000;
  private static final long TO = 10 * HOUR;
  private static final long FROM = TO - HOUR;

  /** Regression: a breaker created 10 s ago showed CLOSED for 59 m 57 s of the last hour. */
  @Test
  void aServiceFirstCountedWithinTheWindowHasNoTimeBeforeThat() {
    Timeline timeline = Timeline.of(new Timeline.Log(null, List.of(), TO - 10_000), FROM, TO);

    assertThat(timeline.timeInState()).isEqualTo(Map.of(State.CLOSED, Duration.ofSeconds(10)));
  }

  @Test
  void aServiceCountedBeforeTheWindowFillsIt() {
    assertThat(Timeline.of(new Timeline.Log(null, List.of(), FROM - HOUR), FROM, TO).timeInState())
        .isEqualTo(Map.of(State.CLOSED, Duration.ofHours(1)));
    assertThat(Timeline.of(new Timeline.Log(null, List.of()), FROM, TO).timeInState())
        .as("unknown: the whole window, as before").isEqualTo(Map.of(State.CLOSED, Duration.ofHours(1)));
  }

  @Test
  void aTransitionBeforeTheWindowSaysTheServiceWasThere() {
    Transition opened = new Transition(FROM - 60_000, State.CLOSED, State.OPEN);
    Timeline timeline = Timeline.of(new Timeline.Log(opened, List.of(), TO - 10_000), FROM, TO);

    assertThat(timeline.timeInState()).isEqualTo(Map.of(State.OPEN, Duration.ofHours(1)));
    assertThat(timeline.currentOutage()).contains(Duration.ofMinutes(61));
  }

  @Test
  void anOutageOfANewServiceIsCountedFromItsFirstTransition() {
    long created = TO - 60_000;
    Transition opened = new Transition(created + 20_000, State.CLOSED, State.OPEN);
    Timeline timeline = Timeline.of(new Timeline.Log(null, List.of(opened), created), FROM, TO);

    assertThat(timeline.timeInState())
        .isEqualTo(Map.of(State.CLOSED, Duration.ofSeconds(20), State.OPEN, Duration.ofSeconds(40)));
    assertThat(timeline.currentOutage()).contains(Duration.ofSeconds(40));
  }
}
