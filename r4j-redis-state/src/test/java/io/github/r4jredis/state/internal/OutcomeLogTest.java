package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutcomeLogTest {

  private final OutcomeLog log = new OutcomeLog(64);
  private final AtomicLong sequences = new AtomicLong(100);

  @Test
  void keepsTheOrderOfOutcomesAsRunsFiledUnderTheirSecond() {
    log.record(false, false, 10);
    log.record(false, false, 10);
    log.record(true, false, 10);
    log.record(true, true, 12);
    log.record(false, true, 12);

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.sequence()).isEqualTo(101);
    assertThat(flush.epoch()).isEqualTo(3);
    assertThat(flush.arguments(12, true, 60, 64)).containsExactly("2|0,0,0,0|s2f1", "0|0,0,0,0|F1S1");
    assertThat(flush.contains(5)).isTrue();
    assertThat(flush.contains(6)).isFalse();
    assertThat(flush.arguments(12, false, 60, 64)).containsExactly("0|0,0,0,0|s2f1F1S1");
    assertThat(flush.total().calls()).isEqualTo(5);
    assertThat(flush.total().bad()).isEqualTo(3);
  }

  /** Fast successes are counted without the log's monitor; each still lands in its own second. */
  @Test
  void fastSuccessesKeepTheirSecondWhenTheClockMovesOn() {
    for (int i = 0; i < 3; i++) {
      log.record(false, false, 7);
    }
    log.record(false, false, 8);
    log.record(false, false, 8);
    log.record(false, true, 8);
    log.record(false, false, 8);

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 0);

    assertThat(flush.arguments(8, true, 60, 64)).containsExactly("1|0,0,0,0|s3", "0|0,0,0,0|s2S1s1");
    assertThat(log.recordedCalls()).isEqualTo(7);
  }

  /** Calls recorded from many threads at once: none lost, none counted twice. */
  @Test
  void callsRecordedConcurrentlyAreAllCountedOnce() throws InterruptedException {
    int threads = 4;
    int perThread = 50_000;
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          log.record(i % 100 == 0, false, i / 10_000);
          if (i % 1_000 == 0) {
            log.unacknowledged(); // the sync thread reading meanwhile
          }
        }
      });
      running.add(thread);
      thread.start();
    }
    for (Thread thread : running) {
      thread.join();
    }

    assertThat(log.unacknowledged().calls()).isEqualTo((long) threads * perThread);
    assertThat(log.unacknowledged().failures()).isEqualTo(threads * perThread / 100L);
    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 0);
    assertThat(flush.total().calls()).isEqualTo((long) threads * perThread);
  }

  @Test
  void recordingAFailureTellsHowManyBadCallsRedisHasNotAcknowledged() {
    assertThat(log.record(true, false, 1)).isEqualTo(1);
    assertThat(log.record(false, false, 1)).isEqualTo(-1);
    assertThat(log.record(false, true, 1)).isEqualTo(2);
    log.acknowledge(log.nextFlush(sequences::incrementAndGet, 0).sequence());

    assertThat(log.record(true, true, 1)).isEqualTo(1);
  }

  @Test
  void waitingFastSuccessesAreDroppedOnlyWhenNothingElseWaits() {
    log.record(false, false, 0);
    log.record(false, false, 0);
    assertThat(log.discardWaitingSuccesses()).isTrue();
    assertThat(log.unacknowledged().calls()).isZero();
    assertThat(log.nextFlush(sequences::incrementAndGet, 0)).isNull();
    assertThat(log.discardWaitingSuccesses()).as("nothing left").isFalse();

    log.record(false, false, 0);
    log.record(true, false, 0);
    assertThat(log.discardWaitingSuccesses()).as("a failure waits").isFalse();
    assertThat(log.unacknowledged().calls()).isEqualTo(2);

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 0);
    log.acknowledge(flush.sequence());
    log.record(false, false, 0);
    assertThat(log.nextFlush(sequences::incrementAndGet, 0)).isNotNull();
    assertThat(log.discardWaitingSuccesses()).as("a flush in flight").isFalse();
  }

  @Test
  void resendsTheSameFlushUntilAcknowledged() {
    log.record(true, false, 1);
    OutcomeLog.Flush first = log.nextFlush(sequences::incrementAndGet, 3);
    log.record(false, false, 1);

    assertThat(log.nextFlush(sequences::incrementAndGet, 3)).isSameAs(first);
    log.acknowledge(first.sequence());
    OutcomeLog.Flush second = log.nextFlush(sequences::incrementAndGet, 3);
    assertThat(second.sequence()).isGreaterThan(first.sequence());
    assertThat(second.total().calls()).isEqualTo(1);
    assertThat(log.unacknowledged().calls()).isEqualTo(1);
    assertThat(log.unacknowledged().failures()).isZero();
  }

  @Test
  void aSecondWithMoreRunsThanItKeepsFoldsTheOldestIntoAnUnorderedPrefix() {
    OutcomeLog small = new OutcomeLog(2);
    small.record(true, false, 5);
    small.record(false, false, 5);
    small.record(true, false, 5);
    small.record(false, true, 5);

    OutcomeLog.Flush flush = small.nextFlush(sequences::incrementAndGet, 0);

    assertThat(flush.arguments(5, true, 10, 2)).containsExactly("0|2,1,0,0|f1S1");
    assertThat(flush.total().calls()).isEqualTo(4);
  }

  @Test
  void aCountWindowTakesEverySecondAsOneBlockInOrder() {
    OutcomeLog count = new OutcomeLog(3);
    count.record(false, false, 1);
    count.record(false, false, 2);
    count.record(true, false, 2);
    count.record(true, false, 3);
    count.record(false, true, 3);

    OutcomeLog.Flush flush = count.nextFlush(sequences::incrementAndGet, 0);

    assertThat(flush.arguments(3, false, 100, 3)).containsExactly("0|0,0,0,0|s2f2S1");
    assertThat(flush.arguments(3, false, 100, 2)).containsExactly("0|2,0,0,0|f2S1");
  }

  @Test
  void secondsOutsideATimeWindowAreLeftOutOfTheArguments() {
    log.record(true, false, 100);
    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.arguments(200, true, 60, 64)).isEmpty();
  }

  @Test
  void pruningWhileRedisIsAwayKeepsOnlyWhatCanStillCount() {
    for (long second = 0; second < 100; second++) {
      log.record(true, false, second);
    }
    log.prune(99, true, 10);
    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);
    assertThat(flush.total().calls()).as("90-99 in the window, and 81-89 that second 90 was measured with")
        .isEqualTo(19);
    assertThat(log.unacknowledged().failures()).isEqualTo(19);

    OutcomeLog count = new OutcomeLog(64);
    for (int i = 0; i < 50; i++) {
      count.record(i % 5 == 0, false, 0);
    }
    count.prune(9, false, 12);
    OutcomeLog.Flush kept = count.nextFlush(sequences::incrementAndGet, 3);
    assertThat(kept.total().calls()).as("a COUNT_BASED window of 12 keeps the newest 12 calls").isEqualTo(12);
    assertThat(kept.arguments(0, false, 12, 64)).containsExactly("0|0,0,0,0|s2f1s4f1s4");
    assertThat(count.unacknowledged().calls()).isEqualTo(12);
  }

  /**
   * Regression (DifferentialIT): a success 10 s before four failures, in a window of 11 s, pruned
   * because it had left the window by the time of the flush, made the flush replay the failures
   * without it: 100 % failures, and the fleet opened where Resilience4j, which counted the failures
   * with the success, stayed CLOSED.
   */
  @Test
  void aTimeBasedPruneKeepsWhatTheSecondsStillInTheWindowWereMeasuredWith() {
    OutcomeLog timed = new OutcomeLog(64);
    timed.record(false, false, 0);
    timed.record(true, false, 7);
    timed.record(true, false, 8);
    timed.record(true, false, 9);
    timed.record(true, false, 9);

    assertThat(timed.prune(11, true, 11)).as("the success left the window at 11, not the failures' windows").isZero();
    assertThat(timed.prune(18, true, 11)).as("8 still held at 18: 0 is kept for it").isZero();
    assertThat(timed.prune(19, true, 11)).as("9, the oldest held at 19, was measured with 0").isZero();
    assertThat(timed.prune(20, true, 11)).as("nothing counts any more").isEqualTo(5);
    assertThat(timed.unacknowledged().calls()).isZero();

    timed.record(false, false, 30);
    timed.record(true, false, 45);
    assertThat(timed.prune(50, true, 11)).as("30 is older than the window 45 was measured with").isEqualTo(1);
    OutcomeLog.Flush flush = timed.nextFlush(sequences::incrementAndGet, 3);
    assertThat(flush.total().calls()).isEqualTo(1);
    assertThat(flush.total().failures()).isEqualTo(1);
  }

  /** The same rule for what a flush carries: a second outside the window now that a later one was measured with goes. */
  @Test
  void aTimeBasedFlushCarriesWhatTheSecondsStillInTheWindowWereMeasuredWith() {
    OutcomeLog timed = new OutcomeLog(64);
    timed.record(false, false, 10);
    timed.record(true, false, 17);
    timed.record(true, false, 18);
    OutcomeLog.Flush flush = timed.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.arguments(21, true, 11, 64)).as("10 left the window at 21; 17 was measured with it")
        .containsExactly("11|0,0,0,0|s1", "4|0,0,0,0|f1", "3|0,0,0,0|f1");
    assertThat(flush.arguments(28, true, 11, 64)).as("only 18 is held at 28, and it was measured with 10")
        .containsExactly("18|0,0,0,0|s1", "11|0,0,0,0|f1", "10|0,0,0,0|f1");
    assertThat(flush.arguments(29, true, 11, 64)).as("nothing counts any more").isEmpty();
  }

  @Test
  void aDiscardForgetsEverythingRecordedBeforeItAndIgnoresTheFlushInFlight() {
    log.record(true, false, 1);
    OutcomeLog.Flush inFlight = log.nextFlush(sequences::incrementAndGet, 3);
    log.record(true, false, 1);
    log.discardUntilNow();
    log.record(false, false, 2);
    log.acknowledge(inFlight.sequence());

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 4);
    assertThat(flush.total().calls()).isEqualTo(1);
    assertThat(flush.total().failures()).isZero();
    assertThat(log.unacknowledged().calls()).isEqualTo(1);
    assertThat(log.unacknowledged().failures()).isZero();
  }
}
