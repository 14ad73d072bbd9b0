package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutcomeLogTest {

  private final OutcomeLog log = new OutcomeLog(64);
  private final AtomicLong sequences = new AtomicLong(100);

  @Test
  void keepsTheOrderOfOutcomesAsRunsFiledUnderTheirSecond() {
    log.record(false, false);
    log.record(false, false);
    log.record(true, false);
    log.sample(10);
    log.record(true, true);
    log.record(false, true);
    log.sample(12);

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.sequence()).isEqualTo(101);
    assertThat(flush.epoch()).isEqualTo(3);
    assertThat(flush.arguments(12, true, 60, 64)).containsExactly("2|0,0,0,0|s2f1", "0|0,0,0,0|F1S1");
    assertThat(flush.arguments(12, false, 60, 64)).containsExactly("0|0,0,0,0|s2f1F1S1");
    assertThat(flush.total().calls()).isEqualTo(5);
    assertThat(flush.total().bad()).isEqualTo(3);
  }

  @Test
  void recordingAFailureTellsHowManyBadCallsRedisHasNotAcknowledged() {
    assertThat(log.record(true, false)).isEqualTo(1);
    assertThat(log.record(false, false)).isEqualTo(-1);
    assertThat(log.record(false, true)).isEqualTo(2);
    log.sample(1);
    log.acknowledge(log.nextFlush(sequences::incrementAndGet, 0).sequence());

    assertThat(log.record(true, true)).isEqualTo(1);
  }

  @Test
  void resendsTheSameFlushUntilAcknowledged() {
    log.record(true, false);
    log.sample(1);
    OutcomeLog.Flush first = log.nextFlush(sequences::incrementAndGet, 3);
    log.record(false, false);
    log.sample(1);

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
    small.record(true, false);
    small.record(false, false);
    small.record(true, false);
    small.record(false, true);
    small.sample(5);

    OutcomeLog.Flush flush = small.nextFlush(sequences::incrementAndGet, 0);

    assertThat(flush.arguments(5, true, 10, 2)).containsExactly("0|2,1,0,0|f1S1");
    assertThat(flush.total().calls()).isEqualTo(4);
  }

  @Test
  void aCountWindowTakesEverySecondAsOneBlockInOrder() {
    OutcomeLog count = new OutcomeLog(3);
    count.record(false, false);
    count.sample(1);
    count.record(false, false);
    count.record(true, false);
    count.sample(2);
    count.record(true, false);
    count.record(false, true);
    count.sample(3);

    OutcomeLog.Flush flush = count.nextFlush(sequences::incrementAndGet, 0);

    assertThat(flush.arguments(3, false, 100, 3)).containsExactly("0|0,0,0,0|s2f2S1");
    assertThat(flush.arguments(3, false, 100, 2)).containsExactly("0|2,0,0,0|f2S1");
  }

  @Test
  void secondsOutsideATimeWindowAreLeftOutOfTheArguments() {
    log.record(true, false);
    log.sample(100);
    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.arguments(200, true, 60, 64)).isEmpty();
  }

  @Test
  void pruningWhileRedisIsAwayKeepsOnlyWhatCanStillCount() {
    for (long second = 0; second < 100; second++) {
      log.record(true, false);
      log.sample(second);
    }
    log.prune(99, true, 10);
    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 3);
    assertThat(flush.total().calls()).isEqualTo(10);
    assertThat(log.unacknowledged().failures()).isEqualTo(10);

    OutcomeLog count = new OutcomeLog(64);
    for (long second = 0; second < 10; second++) {
      for (int i = 0; i < 5; i++) {
        count.record(false, false);
      }
      count.sample(second);
    }
    count.prune(9, false, 12);
    assertThat(count.nextFlush(sequences::incrementAndGet, 3).total().calls()).isEqualTo(15);
  }

  @Test
  void aDiscardForgetsEverythingRecordedBeforeItAndIgnoresTheFlushInFlight() {
    log.record(true, false);
    log.sample(1);
    OutcomeLog.Flush inFlight = log.nextFlush(sequences::incrementAndGet, 3);
    log.record(true, false);
    log.discardUntilNow();
    log.record(false, false);
    log.acknowledge(inFlight.sequence());
    log.sample(2);

    OutcomeLog.Flush flush = log.nextFlush(sequences::incrementAndGet, 4);
    assertThat(flush.total().calls()).isEqualTo(1);
    assertThat(flush.total().failures()).isZero();
    assertThat(log.unacknowledged().calls()).isEqualTo(1);
    assertThat(log.unacknowledged().failures()).isZero();
  }
}
