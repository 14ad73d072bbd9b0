package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransitionsTest {

  @Test
  void aLegalChangeIsOneTransition() {
    assertThat(Transitions.path(State.CLOSED, State.OPEN, State.CLOSED))
        .containsExactly(StateTransition.CLOSED_TO_OPEN);
    assertThat(Transitions.path(State.OPEN, State.OPEN, null)).isEmpty();
  }

  @Test
  void aMissedStateIsFilledInWithThePreviousStateRedisRecorded() {
    // The node held CLOSED and missed OPEN: Resilience4j has no CLOSED -> HALF_OPEN.
    assertThat(Transitions.path(State.CLOSED, State.HALF_OPEN, State.OPEN))
        .containsExactly(StateTransition.CLOSED_TO_OPEN, StateTransition.OPEN_TO_HALF_OPEN);
    assertThat(Transitions.path(State.METRICS_ONLY, State.OPEN, State.CLOSED))
        .containsExactly(StateTransition.METRICS_ONLY_TO_CLOSED, StateTransition.CLOSED_TO_OPEN);
  }

  @Test
  void everyPairOfStatesHasALegalPath() {
    for (State from : State.values()) {
      for (State to : State.values()) {
        for (State previous : State.values()) {
          List<StateTransition> path = Transitions.path(from, to, previous);
          State at = from;
          for (StateTransition step : path) {
            assertThat(step.getFromState()).isEqualTo(at);
            at = step.getToState();
          }
          assertThat(at).isEqualTo(to);
          assertThat(path.size()).isLessThanOrEqualTo(3);
        }
      }
    }
  }
}
