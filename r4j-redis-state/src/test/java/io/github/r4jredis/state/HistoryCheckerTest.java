package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import org.junit.jupiter.api.Test;

/** The checker of the fault suite finds each kind of violation, with the history that shows it. */
class HistoryCheckerTest {

  @Test
  void aCleanHistoryHasNoViolation() {
    HistoryChecker history = new HistoryChecker();
    history.viewAccepted("node-1", "calcom", 1, State.CLOSED);
    history.viewAccepted("node-1", "calcom", 2, State.OPEN);
    history.transitionPublished("node-1", "calcom", StateTransition.CLOSED_TO_OPEN);
    history.transitionPublished("node-1", "calcom", StateTransition.OPEN_TO_HALF_OPEN);
    history.trialPermitted("node-1", "calcom", 3);
    history.trialPermitted("node-2", "calcom", 3);
    history.flushAcknowledged("node-1", "calcom", 7, "OK");
    history.flushAcknowledged("node-1", "calcom", 7, "DUP"); // a replay Redis recognised

    assertThat(history.violations(2)).isEmpty();
  }

  @Test
  void everyKindOfViolationIsReportedWithItsHistory() {
    HistoryChecker history = new HistoryChecker();
    history.viewAccepted("node-1", "calcom", 2, State.OPEN);
    history.viewAccepted("node-1", "calcom", 2, State.CLOSED);
    history.transitionPublished("node-2", "calcom", StateTransition.CLOSED_TO_OPEN);
    history.transitionPublished("node-2", "calcom", StateTransition.HALF_OPEN_TO_CLOSED);
    history.trialPermitted("node-1", "calcom", 5);
    history.trialPermitted("node-2", "calcom", 5);
    history.trialPermitted("node-3", "calcom", 5);
    history.flushAcknowledged("node-1", "calcom", 9, "OK");
    history.flushAcknowledged("node-1", "calcom", 9, "OK");

    String at = "@[0-9]+\\.[0-9]{3}s"; // each entry says when it happened
    assertThat(history.violations(2)).satisfiesExactly(
        v -> assertThat(v).matches("versions accepted by node-1/calcom do not strictly increase at #1: \\[2:OPEN"
            + at + ", 2:CLOSED" + at + "\\]"),
        v -> assertThat(v).isEqualTo("transitions published by node-2/calcom do not chain at #1: [State transition"
            + " from CLOSED to OPEN, State transition from HALF_OPEN to CLOSED]"),
        v -> assertThat(v).matches("HALF_OPEN episode calcom@5 granted 3 trial calls \\(at most 2\\), by \\[node-1"
            + at + ", node-2" + at + ", node-3" + at + "\\]; node-1 accepted \\[\\]; node-2 accepted \\[\\];"
            + " node-3 accepted \\[\\]"),
        v -> assertThat(v).isEqualTo("flush node-1/calcom#9 merged 2 times"));
  }
}
