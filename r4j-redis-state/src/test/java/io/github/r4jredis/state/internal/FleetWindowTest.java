package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The fleet's window as a node shows it: Redis's last report plus what this node has not flushed. */
class FleetWindowTest {

  private final AtomicReference<SharedView> view = new AtomicReference<>();
  private final OutcomeLog.Counts mine = new OutcomeLog.Counts();

  private FleetWindow window(CircuitBreakerConfig config) {
    return new FleetWindow(config, view::get, () -> mine, () -> 7);
  }

  @Test
  void addsThisNodesUnflushedOutcomesToRedissWindow() {
    FleetWindow window = window(CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(10).build());
    view.set(reported(State.CLOSED, 20, 4, 2, 1, 5, 2));
    mine.calls = 5;
    mine.failures = 1;
    mine.slowCalls = 1;

    assertThat(window.getNumberOfBufferedCalls()).isEqualTo(25);
    assertThat(window.getNumberOfFailedCalls()).isEqualTo(5);
    assertThat(window.getNumberOfSuccessfulCalls()).isEqualTo(20);
    assertThat(window.getFailureRate()).isEqualTo(20f);
    assertThat(window.getNumberOfSlowCalls()).isEqualTo(3);
    assertThat(window.getNumberOfSlowFailedCalls()).isEqualTo(1);
    assertThat(window.getNumberOfSlowSuccessfulCalls()).isEqualTo(2);
    assertThat(window.getSlowCallRate()).isEqualTo(12f);
    assertThat(window.getNumberOfNotPermittedCalls()).isEqualTo(7);
    assertThat(window.getNumberOfReportingNodes()).isEqualTo(5);
    assertThat(window.getNumberOfFailingNodes()).isEqualTo(2);
  }

  @Test
  void aCountBasedWindowHoldsAtMostItsSizeAndRatesWaitForTheMinimum() {
    FleetWindow window = window(CircuitBreakerConfig.custom().slidingWindowSize(10).minimumNumberOfCalls(50).build());
    view.set(reported(State.CLOSED, 8, 8, 0, 0, 2, 1));
    mine.calls = 6;
    mine.failures = 6;

    assertThat(window.getNumberOfBufferedCalls()).isEqualTo(10);
    assertThat(window.getNumberOfFailedCalls()).isEqualTo(10); // never more than the window holds
    assertThat(window.getFailureRate()).isEqualTo(100f); // minimum 50 is capped at the window's 10

    view.set(reported(State.CLOSED, 3, 3, 0, 0, 1, 1));
    mine.calls = 0;
    mine.failures = 0;
    assertThat(window.getFailureRate()).isEqualTo(-1f); // below the minimum, as Resilience4j says
  }

  @Test
  void aTimeBasedWindowCountsEveryCallAndWaitsForItsOwnMinimum() {
    FleetWindow window = window(CircuitBreakerConfig.custom().slidingWindowType(SlidingWindowType.TIME_BASED)
        .slidingWindowSize(10).minimumNumberOfCalls(50).build());
    view.set(reported(State.CLOSED, 40, 20, 0, 0, 3, 1));

    assertThat(window.getNumberOfBufferedCalls()).isEqualTo(40);
    assertThat(window.getFailureRate()).isEqualTo(-1f);
    mine.calls = 10;
    assertThat(window.getFailureRate()).isEqualTo(40f);
  }

  @Test
  void whileTheFleetCountsNothingThisNodesOutcomesAreNotAdded() {
    FleetWindow window = window(CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(1).build());
    mine.calls = 5;
    mine.failures = 5;

    view.set(reported(State.OPEN, 10, 6, 0, 0, 2, 2));
    assertThat(window.getNumberOfBufferedCalls()).isEqualTo(10);
    view.set(reported(State.METRICS_ONLY, 10, 6, 0, 0, 2, 2));
    assertThat(window.getNumberOfBufferedCalls()).isEqualTo(15);
  }

  /**
   * How many bad calls a node holds before it flushes at once: what the fleet's window misses
   * before its threshold, shared out over the reporting nodes.
   */
  @Test
  void theEagerThresholdIsTheFleetsMissingBadCallsSharedOutOverItsNodes() {
    CircuitBreakerConfig count100 = CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(100)
        .failureRateThreshold(50).build();
    // A full window of successes evicts one per new call: 50 failures reach 50 %, 5 per node of 10.
    assertThat(FleetWindow.eagerThreshold(count100, reported(State.CLOSED, 100, 0, 0, 0, 10, 0))).isEqualTo(5);
    assertThat(FleetWindow.missingBad(count100, 100, 40, 50)).as("40 of 100 bad: 17 more").isEqualTo(17);
    // An empty window needs its minimum number of calls, all of them bad at worst.
    assertThat(FleetWindow.eagerThreshold(count100, reported(State.CLOSED, 0, 0, 0, 0, 1, 0))).isEqualTo(100);
    assertThat(FleetWindow.eagerThreshold(count100, reported(State.CLOSED, 100, 60, 0, 0, 3, 3)))
        .as("past the threshold: at once").isEqualTo(1);
    assertThat(FleetWindow.eagerThreshold(count100, reported(State.OPEN, 100, 60, 0, 0, 3, 3)))
        .as("nothing opens from OPEN").isEqualTo(Long.MAX_VALUE);

    CircuitBreakerConfig timed = CircuitBreakerConfig.custom().slidingWindowType(SlidingWindowType.TIME_BASED)
        .slidingWindowSize(10).minimumNumberOfCalls(20).failureRateThreshold(25).build();
    // A growing window: x bad of 300 + x reach 25 % at x = 100.
    assertThat(FleetWindow.eagerThreshold(timed, reported(State.METRICS_ONLY, 300, 0, 0, 0, 4, 0))).isEqualTo(25);
    assertThat(FleetWindow.missingBad(timed, 10, 0, 25)).as("the minimum first").isEqualTo(10);
    assertThat(FleetWindow.missingBad(timed, 10, 9, 100)).as("100 %: never, unless all bad").isGreaterThan(1L << 60);
  }

  private static SharedView reported(State state, long calls, long failures, long slowCalls, long slowFailures,
      int activeNodes, int failingNodes) {
    return new SharedView(SharedView.Status.OK, state, 3, State.CLOSED, 0, 0, 0, "", 0, 0, 0, calls, failures,
        slowCalls, slowFailures, activeNodes, failingNodes, "", Set.of(), "", "", true);
  }
}
