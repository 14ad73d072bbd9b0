package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutcomeCounterTest {

  private final OutcomeCounter counter = new OutcomeCounter();
  private final AtomicLong sequences = new AtomicLong(100);

  @Test
  void filesOutcomesUnderTheirSecondAndSendsThemWithAges() {
    counter.record(false, false);
    counter.record(true, false);
    counter.sample(10);
    counter.record(true, true);
    counter.sample(12);

    OutcomeCounter.Flush flush = counter.nextFlush(sequences::incrementAndGet, 3);

    assertThat(flush.sequence()).isEqualTo(101);
    assertThat(OutcomeCounter.arguments(flush, 12, true, 60))
        .containsExactly("2", "2", "2", "1", "0", "0", "0", "1", "1", "1", "1");
    assertThat(OutcomeCounter.arguments(flush, 12, false, 60)).containsExactly("1", "0", "3", "2", "1", "1");
    assertThat(counter.unflushedBadOutcomes()).isEqualTo(2);
  }

  @Test
  void resendsTheSameFlushUntilAcknowledged() {
    counter.record(true, false);
    counter.sample(1);
    OutcomeCounter.Flush first = counter.nextFlush(sequences::incrementAndGet, 3);
    counter.record(false, false);
    counter.sample(1);

    assertThat(counter.nextFlush(sequences::incrementAndGet, 3)).isSameAs(first);
    counter.acknowledge(first.sequence());
    OutcomeCounter.Flush second = counter.nextFlush(sequences::incrementAndGet, 3);
    assertThat(second.sequence()).isGreaterThan(first.sequence());
    assertThat(second.total().calls()).isEqualTo(1);
    assertThat(counter.unflushedBadOutcomes()).isZero();
    assertThat(counter.unacknowledged().calls()).isEqualTo(1);
  }

  @Test
  void secondsOutsideATimeWindowAreLeftOutOfTheArguments() {
    counter.record(true, false);
    counter.sample(100);
    OutcomeCounter.Flush flush = counter.nextFlush(sequences::incrementAndGet, 3);

    assertThat(OutcomeCounter.arguments(flush, 200, true, 60)).containsExactly("0");
  }

  @Test
  void pruningWhileRedisIsAwayKeepsOnlyWhatCanStillCount() {
    for (long second = 0; second < 100; second++) {
      counter.record(true, false);
      counter.sample(second);
    }
    counter.prune(99, true, 10);
    OutcomeCounter.Flush flush = counter.nextFlush(sequences::incrementAndGet, 3);
    assertThat(flush.total().calls()).isEqualTo(10);
    assertThat(counter.unflushedBadOutcomes()).isEqualTo(10);

    OutcomeCounter count = new OutcomeCounter();
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
  void aDiscardDropsOnlyWhatWasRecordedBeforeIt() {
    counter.record(true, false);
    counter.sample(1);
    counter.nextFlush(sequences::incrementAndGet, 3);
    counter.record(true, false);
    counter.discardUntilNow();
    counter.record(false, false);

    counter.applyDiscard();
    counter.sample(2);

    OutcomeCounter.Flush flush = counter.nextFlush(sequences::incrementAndGet, 3);
    assertThat(flush.total().calls()).isEqualTo(1);
    assertThat(flush.total().failures()).isZero();
    assertThat(counter.unflushedBadOutcomes()).isZero();
    assertThat(List.of(counter.unacknowledged().calls())).containsExactly(1L);
  }
}
