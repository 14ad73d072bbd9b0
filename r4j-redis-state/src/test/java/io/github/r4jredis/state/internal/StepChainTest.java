package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A breaker's own steps on their way to Redis: what the node predicts, and what each step led to. */
class StepChainTest {

  private final OutcomeLog outcomes = new OutcomeLog(64);

  /** A shared state as a script reports it: {@code state} at {@code version}, held by {@code holder}. */
  private static SharedView view(State state, long version, String holder) {
    return SharedView.fromReply(new ArrayList<>(List.of("OK", state.name(), Long.toString(version), "CLOSED", "0",
        "0", "1", holder, holder.isEmpty() ? "0" : "66000", "0", "1001", "20", "0", "0", "0", "1", "0", "abcd", "",
        "", "n2", "31001", "0")));
  }

  @Test
  void theNodePredictsWhereItsLastStepLeadsAndRedisStateWhenNoneWaits() {
    SharedView closed = view(State.CLOSED, 3, "");
    StepChain chain = new StepChain("n1", closed);
    assertThat(chain.pending()).isFalse();
    assertThat(chain.predicted()).isEqualTo(State.CLOSED);
    assertThat(chain.predictedMine()).isFalse();

    Intent trip = Intent.trip(17);
    chain.add(trip, closed, outcomes);
    Intent start = Intent.start();
    chain.add(start, closed, outcomes);
    assertThat(chain.size()).isEqualTo(2);
    assertThat(chain.head()).isSameAs(trip);
    assertThat(chain.has(Intent.Kind.START)).isTrue();
    assertThat(chain.predicted()).isEqualTo(State.HALF_OPEN);
    assertThat(chain.predictedMine()).isTrue();
    assertThat(chain.base(closed)).as("the version Redis was in when the chain began").isEqualTo(3);

    SharedView opened = view(State.OPEN, 4, "n1");
    chain.answered(trip, opened, true);
    assertThat(chain.epochAfter(trip)).isEqualTo(4);
    assertThat(chain.epochAfter(start)).as("unanswered").isEqualTo(-1);
    assertThat(chain.base(opened)).as("the next step builds on the reply").isEqualTo(4);
    SharedView halfOpen = view(State.HALF_OPEN, 5, "n1");
    chain.answered(start, halfOpen, true);
    assertThat(chain.pending()).isFalse();

    SharedView othersEpisode = view(State.HALF_OPEN, 6, "n2");
    chain.predictFrom(othersEpisode);
    assertThat(chain.predicted()).isEqualTo(State.HALF_OPEN);
    assertThat(chain.predictedMine()).as("another node's episode").isFalse();
  }

  /**
   * A refused trip voids the trial episodes the node ran ahead on (its starts and verdicts), up to
   * its next manual move: that one, and what builds on it, still go.
   */
  @Test
  void aRefusedStepVoidsTheEpisodeStepsAfterItUpToAManualMove() {
    SharedView closed = view(State.CLOSED, 3, "");
    StepChain chain = new StepChain("n1", closed);
    Intent trip = Intent.trip(17);
    Intent start = Intent.start();
    Intent verdict = Intent.verdict(State.OPEN);
    Intent manual = Intent.manual(State.CLOSED, "CLOSED", 0, 90);
    Intent laterStart = Intent.start();
    for (Intent step : List.of(trip, start, verdict, manual, laterStart)) {
      chain.add(step, closed, outcomes);
    }
    List<Intent> droppedStarts = new ArrayList<>();

    SharedView othersOpening = view(State.OPEN, 4, "n2");
    chain.answered(trip, othersOpening, false);
    chain.dropEpisodeSteps(droppedStarts::add);

    assertThat(chain.epochAfter(trip)).isEqualTo(OutcomeLog.REFUSED);
    assertThat(droppedStarts).containsExactly(start);
    assertThat(chain.epochAfter(start)).isEqualTo(OutcomeLog.REFUSED);
    assertThat(chain.epochAfter(verdict)).isEqualTo(OutcomeLog.REFUSED);
    assertThat(chain.steps()).containsExactly(manual, laterStart);
    assertThat(chain.size()).isEqualTo(2);
    assertThat(chain.head()).isSameAs(manual);
  }

  @Test
  void stepsPastTheBoundAreRefusedAndLocalModeClearsTheChain() {
    SharedView closed = view(State.CLOSED, 3, "");
    StepChain chain = new StepChain("n1", closed);
    List<Intent> added = new ArrayList<>();
    while (!chain.full()) {
      Intent step = Intent.manual(State.OPEN, "OPEN", 0, added.size());
      chain.add(step, closed, outcomes);
      added.add(step);
    }
    assertThat(added).hasSize(StepChain.MAX_STEPS);

    SharedView later = view(State.CLOSED, 9, "");
    chain.clear(later);
    assertThat(chain.pending()).isFalse();
    assertThat(chain.predicted()).isEqualTo(State.CLOSED);
    assertThat(added).allMatch(step -> chain.epochAfter(step) == OutcomeLog.REFUSED);
    assertThat(chain.base(later)).as("begins again from what Redis holds").isEqualTo(9);
  }

  /**
   * Outcomes recorded before a step belong to the episode Redis was in: the step seals them. A new
   * chain with no sealed outcome left forgets the earlier steps' episodes.
   */
  @Test
  void aStepSealsTheOutcomesBeforeItAndANewChainForgetsSpentEpisodes() {
    SharedView closed = view(State.CLOSED, 3, "");
    StepChain chain = new StepChain("n1", closed);
    outcomes.record(true, false, 0);
    Intent trip = Intent.trip(1);
    chain.add(trip, closed, outcomes);
    assertThat(outcomes.hasSealed()).isTrue();
    chain.answered(trip, view(State.OPEN, 4, "n1"), true);
    assertThat(chain.epochAfter(trip)).isEqualTo(4);

    OutcomeLog nothingWaits = new OutcomeLog(64);
    chain.add(Intent.manual(State.CLOSED, "CLOSED", 0, 2), view(State.OPEN, 4, "n1"), nothingWaits);
    assertThat(chain.epochAfter(trip)).isEqualTo(-1);
  }
}
