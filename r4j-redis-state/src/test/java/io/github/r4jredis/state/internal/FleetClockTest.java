package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.internal.SharedView.ReplyClock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Jumps of Redis TIME told apart from late scripts, on a monotonic clock the test moves. */
class FleetClockTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final FleetClock clock = new FleetClock(nanos::get);

  private long at(long millis) {
    nanos.set(TimeUnit.MILLISECONDS.toNanos(millis));
    return nanos.get();
  }

  /** A reply for {@code name}: its request left at {@code sentMillis}, it came at {@code receivedMillis}. */
  private FleetClock.Observation reply(String name, long redisTime, long offset, long sentMillis, long receivedMillis) {
    long sent = TimeUnit.MILLISECONDS.toNanos(sentMillis);
    long received = at(receivedMillis);
    return clock.observe(name, new ReplyClock(redisTime, offset), sent, received);
  }

  @Test
  void theFirstReplyIsTheEstimateAndTheMonotonicClockMovesItOn() {
    assertThat(clock.isKnown()).isFalse();
    assertThat(reply("b", 50_000, 0, 1_000, 1_002)).isEqualTo(new FleetClock.Observation(0, null));
    at(3_000);
    assertThat(clock.now()).isEqualTo(50_000 + 2_000); // from when the request left: an upper bound
  }

  @Test
  void aScriptThatRanLateBehindAPausedRedisIsNoJump() {
    reply("b", 50_000, 0, 1_000, 1_002);
    // Sent at 1,100, Redis paused 5 s, ran it at 6,100: TIME moved 5.1 s, within what the round trip allows.
    assertThat(reply("b", 55_100, 0, 1_100, 6_101).jumpMillis()).isZero();
    assertThat(clock.now()).isEqualTo(55_100 + 5_001);
  }

  @Test
  void aJumpForwardIsFixedOnceAndTheEstimateGoesOnMeanwhile() {
    reply("b", 50_000, 0, 1_000, 1_002);
    FleetClock.Observation jumped = reply("b", 80_100, 0, 1_100, 1_102); // 30 s ahead
    assertThat(jumped.jumpMillis()).isBetween(29_990L, 30_010L);
    assertThat(jumped.fix()).startsWith("0 -");
    long fixedOffset = Long.parseLong(jumped.fix().split(" ")[1]);
    assertThat(clock.now()).as("not the jumped time").isBetween(50_100L, 50_200L);

    assertThat(clock.takeFix("b")).as("for the next script").isEqualTo(jumped.fix());
    assertThat(clock.takeFix("b")).as("once").isNull();

    // Not yet moved (the fix was lost): asked again, still without taking the time.
    assertThat(reply("b", 80_200, 0, 1_200, 1_202).fix()).isEqualTo(jumped.fix());
    // Moved (by this node or another): the fleet's time is continuous again, and adopted.
    assertThat(reply("b", 80_300, fixedOffset, 1_300, 1_302)).isEqualTo(new FleetClock.Observation(0, null));
    assertThat(clock.now()).isBetween(50_290L, 50_310L);
    assertThat(clock.takeFix("b")).as("the fix asked again, no longer needed").isNull();

    reply("c", 50_000, 0, 1_000, 1_002);
    assertThat(reply("c", 80_100, 0, 1_100, 1_102).fix()).isNotNull();
    clock.forget("c");
    assertThat(clock.takeFix("c")).as("forgotten with the breaker").isNull();
  }

  @Test
  void aJumpBackIsFixedTheSameWay() {
    reply("b", 50_000, 0, 1_000, 1_002);
    FleetClock.Observation jumped = reply("b", 20_100, 0, 1_100, 1_102);
    assertThat(jumped.jumpMillis()).isBetween(-30_010L, -29_990L);
    assertThat(Long.parseLong(jumped.fix().split(" ")[1])).isBetween(29_990L, 30_010L);
  }

  @Test
  void aJumpAnotherNodeFixedFirstNeedsNothingMore() {
    reply("b", 50_000, 0, 1_000, 1_002);
    // TIME jumped 30 s, and the offset already followed it: the fleet's time is continuous.
    FleetClock.Observation seen = reply("b", 80_100, -30_000, 1_100, 1_102);
    assertThat(seen.jumpMillis()).isNotZero();
    assertThat(seen.fix()).isNull();
    assertThat(clock.now()).isBetween(50_100L, 50_110L);
  }

  @Test
  void breakersOnServersWhoseClocksDifferALittleAreNoJump() {
    // A Cluster: one master 2 s ahead of another. Each breaker stays on its own server.
    for (int i = 0; i < 5; i++) {
      long t = 1_000 + i * 100;
      assertThat(reply("on-a", 50_000 + i * 100, 0, t, t + 2).jumpMillis()).isZero();
      assertThat(reply("on-b", 52_000 + i * 100, 0, t, t + 2).jumpMillis()).isZero();
    }
  }

  @Test
  void aForgottenBreakerStartsOver() {
    reply("b", 50_000, 0, 1_000, 1_002);
    clock.forget("b");
    assertThat(reply("b", 80_000, 0, 1_100, 1_102).jumpMillis()).isZero();
  }
}
