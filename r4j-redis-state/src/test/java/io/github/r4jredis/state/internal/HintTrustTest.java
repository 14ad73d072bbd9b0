package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.internal.HintTrust.Verdict;
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
}
