package io.github.r4jredis.state;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks every builder of r4j-redis makes of its settings, with one wording for the error: a
 * setting out of its bounds is an {@link IllegalArgumentException} that names the setting, its
 * bounds and the value given ({@code "claimAfter must be at least 100 ms, was PT0.01S"}); a null
 * one a {@link NullPointerException} naming the setting. Each returns the value it checked, so a
 * setter is one line: {@code this.claimAfter = Bounds.atLeast("claimAfter", claimAfter, MIN);}.
 */
public final class Bounds {

  private Bounds() {}

  /** {@code value}, at least {@code min}. */
  public static Duration atLeast(String setting, Duration value, Duration min) {
    Objects.requireNonNull(value, setting);
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(setting + " must be at least " + text(min) + ", was " + value);
    }
    return value;
  }

  /** {@code value}, zero or more. */
  public static Duration notNegative(String setting, Duration value) {
    Objects.requireNonNull(value, setting);
    if (value.isNegative()) {
      throw new IllegalArgumentException(setting + " must not be negative, was " + value);
    }
    return value;
  }

  /** {@code value}, from {@code min} to {@code max}, both included. */
  public static Duration within(String setting, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, setting);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(setting + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  /** {@code value}, at least {@code min}. */
  public static int atLeast(String setting, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(setting + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  /** {@code value}, at least {@code min}. */
  public static long atLeast(String setting, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(setting + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  /** {@code value}, from {@code min} to {@code max}, both included. */
  public static int within(String setting, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(setting + " must be in [" + min + "," + max + "], was " + value);
    }
    return value;
  }

  /** A bound as a person writes it: {@code 100 ms}, {@code 1 s}, {@code 10 min}; else ISO-8601. */
  private static String text(Duration bound) {
    long millis = bound.toMillis();
    if (!bound.equals(Duration.ofMillis(millis))) {
      return bound.toString();
    }
    if (millis < 1000 || millis % 1000 != 0) {
      return millis + " ms";
    }
    long seconds = millis / 1000;
    return seconds < 60 || seconds % 60 != 0 ? seconds + " s" : seconds / 60 + " min";
  }
}
