package io.github.r4jredis.slo;

/**
 * The error budget of an availability objective: with a 99.9 % target, 0.1 % of calls may
 * fail. The burn rate says how fast a stretch of traffic spends it (1.0 spends exactly the
 * budget over the SLO window; 14.4 spends a 30-day budget in about two days), as in the Google
 * SRE workbook's multi-window, multi-burn-rate alerts.
 *
 * <p>Immutable and thread-safe.
 */
public final class ErrorBudget {

  private final double target;

  private ErrorBudget(double target) {
    this.target = target;
  }

  /**
   * The budget of an availability target such as {@code 0.999}.
   *
   * @throws IllegalArgumentException unless {@code 0 < target < 1}
   */
  public static ErrorBudget of(double target) {
    if (!(target > 0.0 && target < 1.0)) {
      throw new IllegalArgumentException("availability target must be in (0,1), was " + target);
    }
    return new ErrorBudget(target);
  }

  /** The availability target, such as {@code 0.999}. */
  public double target() {
    return target;
  }

  /** The share of calls allowed to fail: {@code 1 - target}. */
  public double allowedErrorRatio() {
    return 1.0 - target;
  }

  /**
   * How many times faster than sustainable these calls spend the budget: the observed error
   * ratio divided by the allowed one. 0 when there were no calls.
   *
   * @throws IllegalArgumentException when a count is negative
   */
  public double burnRate(long good, long bad) {
    requireCounts(good, bad);
    long total = good + bad;
    return total == 0 ? 0.0 : ((double) bad / total) / allowedErrorRatio();
  }

  /**
   * The share of the budget left after these calls, over the SLO window they cover: 1 when no
   * call failed, 0 when the budget is spent exactly, negative when it is overspent.
   *
   * @throws IllegalArgumentException when a count is negative
   */
  public double remaining(long good, long bad) {
    return 1.0 - burnRate(good, bad);
  }

  private static void requireCounts(long good, long bad) {
    if (good < 0 || bad < 0) {
      throw new IllegalArgumentException(
          "call counts must not be negative, were good=" + good + ", bad=" + bad);
    }
  }

  @Override
  public String toString() {
    return "ErrorBudget[target=" + target + "]";
  }
}
