package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which fleet episode each trial call of a node is reported under. */
class TrialLedgerTest {

  private final List<Long> reported = new ArrayList<>();
  private final TrialLedger ledger = new TrialLedger(reported::add);

  @Test
  void trialsOfAStepAreReportedOnceRedisTakesItThenAsTheyCome() {
    Intent start = Intent.start();
    ledger.begin(start);
    assertThat(ledger.permitted()).as("the step is on its way").isZero();
    assertThat(ledger.permitted()).isZero();
    assertThat(reported).isEmpty();

    ledger.confirm(start, reply(State.HALF_OPEN, 7), true, List.of());
    assertThat(reported).containsExactly(7L, 7L);
    assertThat(ledger.permitted()).as("the episode is known now").isEqualTo(7);
    assertThat(reported).as("reported at once").containsExactly(7L, 7L, 7L);
  }

  @Test
  void trialsOfARefusedStepAreReportedUnderTheFleetsEpisodeOrNotAtAll() {
    Intent start = Intent.start();
    ledger.begin(start);
    ledger.permitted();
    ledger.confirm(start, reply(State.HALF_OPEN, 9), false, List.of());
    assertThat(reported).as("they competed with episode 9").containsExactly(9L);

    reported.clear();
    Intent again = Intent.start();
    ledger.begin(again);
    ledger.permitted();
    ledger.confirm(again, reply(State.OPEN, 10), false, List.of());
    assertThat(reported).as("no fleet episode: they were this node's own").isEmpty();
    assertThat(ledger.permitted()).isZero();
    assertThat(reported).isEmpty();
  }

  @Test
  void trialsOfALaterStepWaitForItsAnswer() {
    Intent first = Intent.start();
    ledger.begin(first);
    ledger.permitted();
    Intent second = Intent.start();
    ledger.begin(second);
    ledger.permitted();
    ledger.permitted();

    ledger.confirm(first, reply(State.HALF_OPEN, 4), true, List.of(second));
    assertThat(reported).as("the second step's two are not the first's").containsExactly(4L);
    assertThat(ledger.permitted()).as("still waiting for the second").isZero();
    ledger.confirm(second, reply(State.HALF_OPEN, 6), true, List.of());
    assertThat(reported).containsExactly(4L, 6L, 6L, 6L);
  }

  @Test
  void nodeLocalAndGrantedEpisodes() {
    ledger.beginLocal();
    assertThat(ledger.permitted()).isZero();
    ledger.beginGranted(12);
    assertThat(ledger.permitted()).isEqualTo(12);
    ledger.end();
    assertThat(ledger.permitted()).as("the episode is over").isZero();
    assertThat(reported).containsExactly(12L);
    reported.clear();

    Intent start = Intent.start();
    ledger.begin(start);
    ledger.permitted();
    ledger.goLocal();
    ledger.confirm(start, reply(State.HALF_OPEN, 3), true, List.of());
    assertThat(reported).as("LOCAL mode: its steps never reached Redis").isEmpty();
  }

  @Test
  void trialsAreActiveWhileOneRunsOrOneRanWithinTheLease() {
    assertThat(ledger.active(TimeUnit.SECONDS.toNanos(1))).as("none ever ran").isFalse();
    ledger.beginLocal();
    assertThat(ledger.active(TimeUnit.HOURS.toNanos(1))).as("the episode just began").isTrue();
    assertThat(ledger.active(0)).isFalse();
    ledger.permitted();
    assertThat(ledger.awaitingOutcome()).isTrue();
    assertThat(ledger.active(0)).as("a trial call is running").isTrue();
    ledger.outcome();
    assertThat(ledger.awaitingOutcome()).isFalse();
    assertThat(ledger.active(0)).isFalse();
  }

  private static SharedView reply(State state, long version) {
    return new SharedView(SharedView.Status.OK, state, version, State.CLOSED, 0, 0, 0, "", 0, 0, 0, 0, 0, 0, 0, 1, 0,
        "", Set.of(), "", "", true);
  }
}
