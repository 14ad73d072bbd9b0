package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.internal.HintTrust.Fence;
import io.github.r4jredis.state.internal.HintTrust.Verdict;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When a breaker's messages are believed, and how a read judges the one that was not. */
class HintTrustTest {

  private static final long S = TimeUnit.SECONDS.toNanos(1);
  private static final long T0 = 1_000 * S;

  private final HintTrust trust = new HintTrust(T0);

  @Test
  void aRefutedMessageMakesTheNextOnesOnlyPromptReadsForTenSecondsRenewedByEachFurtherOne() {
    assertThat(trust.distrusted(T0)).isFalse();
    assertThat(trust.refuted(T0)).as("a new incident").isTrue();
    assertThat(trust.distrusted(T0 + 9 * S)).isTrue();
    assertThat(trust.refuted(T0 + 9 * S)).as("the same incident, renewed").isFalse();
    assertThat(trust.distrusted(T0 + 18 * S)).isTrue();
    assertThat(trust.distrusted(T0 + 19 * S)).isFalse();
    assertThat(trust.refuted(T0 + 30 * S)).as("quiet for ten seconds: a new incident").isTrue();
  }

  @Test
  void aReadJudgesTheHighestUnheededClaimOnceAndOnlyIfAskedAfterItCame() {
    assertThat(trust.judge(5, T0)).as("nothing unheeded").isEqualTo(Verdict.NONE);
    trust.unheeded(8, T0 + S);
    trust.unheeded(7, T0 + 2 * S); // a lower claim later does not replace it

    assertThat(trust.judge(5, T0)).as("asked before the message came").isEqualTo(Verdict.ASK_AGAIN);
    assertThat(trust.judge(7, T0 + 2 * S)).as("Redis is behind the claim").isEqualTo(Verdict.FORGED);
    assertThat(trust.judge(7, T0 + 3 * S)).as("judged once").isEqualTo(Verdict.NONE);

    trust.unheeded(9, T0 + 4 * S);
    assertThat(trust.judge(9, T0 + 5 * S)).as("Redis holds it: true").isEqualTo(Verdict.NONE);
  }

  @Test
  void aReadAskedBeforeTheMessageActedOnCannotContradictIt() {
    assertThat(trust.predatesHint(T0)).as("no message yet").isFalse();
    trust.acted(T0 + S);
    assertThat(trust.predatesHint(T0)).isTrue();
    assertThat(trust.predatesHint(T0 + S)).isFalse();
  }

  /** What Redis reported: {@code state} at {@code version}, held by {@code holder}. */
  private static SharedView reply(State state, long version, String holder) {
    return SharedView.fromReply(new ArrayList<>(List.of("OK", state.name(), Long.toString(version), "CLOSED", "0",
        "61000", "1", holder, holder.isEmpty() ? "0" : "66000", "0", "1001", "20", "0", "0", "0", "1", "0", "abcd",
        "", "", "n2", "31001", "0")));
  }

  /** What a message announced. */
  private static SharedView message(State state, long version, String holder) {
    return SharedView.fromMessage("r4j1|b|" + version + "|" + state + "|CLOSED|0|61000|" + holder + "|"
        + (holder.isEmpty() ? 0 : 66000) + "|0|").view();
  }

  /** Replies against replies: only a newer version moves the state; an older one means Redis is behind. */
  @Test
  void aReplyReplacesAnOlderReplyAndAnOlderReplyIsRedisBehind() {
    SharedView held = reply(State.CLOSED, 5, "");
    assertThat(trust.fence(held, reply(State.OPEN, 6, "n2"), T0)).isEqualTo(Fence.NEWER);
    assertThat(trust.fence(held, reply(State.CLOSED, 5, ""), T0)).isEqualTo(Fence.SAME);
    assertThat(trust.fence(held, reply(State.OPEN, 5, "n2"), T0)).as("Redis's word on its own version").isEqualTo(Fence.SAME);
    assertThat(trust.fence(held, reply(State.CLOSED, 4, ""), T0)).isEqualTo(Fence.BEHIND);
  }

  /**
   * A message is in force over a state Redis confirmed, while no message was refuted lately;
   * otherwise it only makes the node read Redis. An older message is dropped; one about the
   * version held can only renew the lease.
   */
  @Test
  void aMessageIsInForceOnlyOverAConfirmedStateAndWhileMessagesAreTrusted() {
    SharedView confirmed = reply(State.CLOSED, 5, "");
    assertThat(trust.fence(confirmed, message(State.OPEN, 6, "n2"), T0)).isEqualTo(Fence.NEWER);
    assertThat(trust.fence(confirmed, message(State.OPEN, 4, "n2"), T0)).isEqualTo(Fence.STALE);
    assertThat(trust.fence(confirmed, message(State.CLOSED, 5, ""), T0)).isEqualTo(Fence.SAME_VERSION);

    SharedView claimed = message(State.OPEN, 6, "n2");
    assertThat(trust.fence(claimed, message(State.HALF_OPEN, 7, "n2"), T0)).as("over a claim").isEqualTo(Fence.UNHEEDED);

    trust.refuted(T0);
    assertThat(trust.fence(confirmed, message(State.OPEN, 6, "n2"), T0 + S)).as("distrusted").isEqualTo(Fence.UNHEEDED);
    assertThat(trust.fence(confirmed, message(State.OPEN, 6, "n2"), T0 + 11 * S)).isEqualTo(Fence.NEWER);
  }

  /** A read sent after the message in force came judges it; a read sent before cannot. */
  @Test
  void aReadAskedAfterTheMessageInForceRefutesItAndOneAskedBeforeIsAskedAgain() {
    SharedView claimed = message(State.OPEN, 6, "n2");
    trust.acted(T0 + S);

    assertThat(trust.fence(claimed, reply(State.CLOSED, 5, ""), T0 + 2 * S)).as("Redis is behind the claim")
        .isEqualTo(Fence.REFUTES);
    assertThat(trust.fence(claimed, reply(State.CLOSED, 5, ""), T0)).isEqualTo(Fence.ASK_AGAIN);
    assertThat(trust.fence(claimed, reply(State.HALF_OPEN, 6, "n3"), T0 + 2 * S)).as("the version, another state")
        .isEqualTo(Fence.REFUTES);
    assertThat(trust.fence(claimed, reply(State.HALF_OPEN, 6, "n3"), T0)).as("asked before: taken, not judged")
        .isEqualTo(Fence.NEWER);
    assertThat(trust.fence(claimed, reply(State.OPEN, 6, "n2"), T0 + 2 * S)).as("confirmed").isEqualTo(Fence.SAME);
    assertThat(trust.fence(claimed, reply(State.OPEN, 7, "n2"), T0 + 2 * S)).isEqualTo(Fence.NEWER);
  }
}
