package io.github.r4jredis.slo;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The error budget of an availability objective: with a 99.9 % target, 0.1 % of calls may
 * fail. The burn rate says how fast a stretch of traffic spends it (1.0 spends exactly the
 * budget over the SLO window; 14.4 spends a 30-day budget in about two days), as in the Google
 * SRE workbook's multi-window, multi-burn-rate alerts.
 *
 * <p>Immutable and thread-safe.
 */
public final class ErrorBudget {

  /**
   * Ratios are computed in decimal (16 digits, as {@code 0.999} is written) and then turned into a
   * {@code double}: in binary {@code 1 - 0.999} is 0.0010000000000000009, and a budget 949 times
   * overspent read -948.9999999999991 in the JSON.
   */
  private static final MathContext DECIMAL = MathContext.DECIMAL64;

  private final double target;
  private final BigDecimal allowed;

  private ErrorBudget(double target) {
    this.target = target;
    this.allowed = BigDecimal.ONE.subtract(BigDecimal.valueOf(target));
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
    return allowed.doubleValue();
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
    return total == 0 ? 0.0 : burn(total, bad).doubleValue();
  }

  /**
   * The share of the budget left after these calls, over the SLO window they cover: 1 when no
   * call failed, 0 when the budget is spent exactly, negative when it is overspent.
   *
   * @throws IllegalArgumentException when a count is negative
   */
  public double remaining(long good, long bad) {
    requireCounts(good, bad);
    long total = good + bad;
    return total == 0 ? 1.0 : BigDecimal.ONE.subtract(burn(total, bad)).doubleValue();
  }

  private BigDecimal burn(long total, long bad) {
    return BigDecimal.valueOf(bad).divide(BigDecimal.valueOf(total).multiply(allowed), DECIMAL);
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
