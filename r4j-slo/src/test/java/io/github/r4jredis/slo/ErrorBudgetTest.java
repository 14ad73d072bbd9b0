package io.github.r4jredis.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ErrorBudgetTest {

  private final ErrorBudget budget = ErrorBudget.of(0.999);

  @Test
  void shouldSpendExactlyTheBudgetAtTheAllowedErrorRatio() {
    assertThat(budget.allowedErrorRatio()).isCloseTo(0.001, within(1e-12));
    assertThat(budget.burnRate(999, 1)).isCloseTo(1.0, within(1e-9));
    assertThat(budget.remaining(999, 1)).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void shouldReportTheFastBurnOfTheSreWorkbook() {
    // 1.44 % errors against a 0.1 % budget: the 14.4x page-now threshold.
    assertThat(budget.burnRate(98_560, 1_440)).isCloseTo(14.4, within(1e-9));
    assertThat(budget.remaining(98_560, 1_440)).isCloseTo(-13.4, within(1e-9));
  }

  /** What is shown (JSON, meters, alerts) is the decimal a person computes, not binary noise. */
  @Test
  void shouldGiveTheDecimalAnswersAPersonComputes() {
    assertThat(budget.allowedErrorRatio()).isEqualTo(0.001);
    assertThat(budget.burnRate(999, 1)).isEqualTo(1.0);
    assertThat(budget.burnRate(98_560, 1_440)).isEqualTo(14.4);
    assertThat(budget.remaining(50, 950)).isEqualTo(-949.0);
    assertThat(budget.remaining(9_950, 50)).isEqualTo(-4.0);
    assertThat(ErrorBudget.of(0.95).burnRate(780, 220)).isEqualTo(4.4);
    assertThat(ErrorBudget.of(0.99).remaining(2_997, 3)).isEqualTo(0.9);
  }

  @Test
  void shouldKeepTheWholeBudgetWithoutFailuresOrCalls() {
    assertThat(budget.burnRate(0, 0)).isZero();
    assertThat(budget.remaining(0, 0)).isEqualTo(1.0);
    assertThat(budget.remaining(5_000, 0)).isEqualTo(1.0);
  }

  @Test
  void shouldRejectImpossibleTargetsAndCounts() {
    assertThatThrownBy(() -> ErrorBudget.of(1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("availability target must be in (0,1), was 1.0");
    assertThatThrownBy(() -> ErrorBudget.of(Double.NaN))
        .hasMessage("availability target must be in (0,1), was NaN");
    assertThatThrownBy(() -> budget.burnRate(-1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("call counts must not be negative, were good=-1, bad=0");
  }
}
