package io.github.r4jredis.fallback;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer of a fallback chain: which {@link Tier} gave it, the value (if that tier has one),
 * why the primary call did not answer, and how old a cached value is.
 *
 * <p>Immutable and thread-safe when the value is.
 *
 * @param <T> the type of the value
 */
public final class FallbackResult<T> {

  private final Tier tier;
  private final @Nullable T value;
  private final @Nullable Throwable cause;
  private final Duration staleness;
  private final String message;

  private FallbackResult(
      Tier tier, @Nullable T value, @Nullable Throwable cause, Duration staleness, String message) {
    this.tier = tier;
    this.value = value;
    this.cause = cause;
    this.staleness = staleness;
    this.message = message;
  }

  /** A fresh answer from the primary call; null for a call without a value (a write, say). */
  public static <T> FallbackResult<T> primary(@Nullable T value) {
    return new FallbackResult<>(Tier.PRIMARY, value, null, Duration.ZERO, "");
  }

  /**
   * A cached answer {@code staleness} old, served because the primary failed with {@code cause}.
   *
   * @throws IllegalArgumentException when {@code staleness} is negative
   */
  public static <T> FallbackResult<T> stale(T value, Duration staleness, Throwable cause) {
    Objects.requireNonNull(staleness, "staleness");
    if (staleness.isNegative()) {
      throw new IllegalArgumentException("staleness must not be negative, was " + staleness);
    }
    return new FallbackResult<>(
        Tier.STALE_CACHE, Objects.requireNonNull(value, "value"), Objects.requireNonNull(cause, "cause"), staleness, "");
  }

  /** A write accepted into the durable retry queue; {@code message} tells the user. */
  public static <T> FallbackResult<T> queued(Throwable cause, String message) {
    return withoutValue(Tier.QUEUED, cause, message);
  }

  /** A critical operation handed to manual review; {@code message} tells the user. */
  public static <T> FallbackResult<T> manualReview(Throwable cause, String message) {
    return withoutValue(Tier.MANUAL_REVIEW, cause, message);
  }

  /** No tier could answer; {@code message} is fit to show to a user. */
  public static <T> FallbackResult<T> failed(Throwable cause, String message) {
    return withoutValue(Tier.FAILED, cause, message);
  }

  private static <T> FallbackResult<T> withoutValue(Tier tier, Throwable cause, String message) {
    return new FallbackResult<>(
        tier, null, Objects.requireNonNull(cause, "cause"), Duration.ZERO, Objects.requireNonNull(message, "message"));
  }

  /** The tier that answered. */
  public Tier tier() {
    return tier;
  }

  /**
   * The value: present for {@link Tier#STALE_CACHE}, and for {@link Tier#PRIMARY} unless the
   * call returned null; empty for the other tiers.
   */
  public Optional<T> value() {
    return Optional.ofNullable(value);
  }

  /** Why the primary call did not answer; empty for {@link Tier#PRIMARY}. */
  public Optional<Throwable> cause() {
    return Optional.ofNullable(cause);
  }

  /** Age of a cached value; zero for every other tier. */
  public Duration staleness() {
    return staleness;
  }

  /** Whether the value is not fresh from the primary call. */
  public boolean isDegraded() {
    return tier != Tier.PRIMARY;
  }

  /** The user-facing message of a degraded answer without a value; empty otherwise. */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return "FallbackResult[" + tier
        + (value != null ? ", value=" + value : "")
        + (tier == Tier.STALE_CACHE ? ", staleness=" + staleness : "")
        + (cause != null ? ", cause=" + cause : "")
        + (message.isEmpty() ? "" : ", message=" + message) + "]";
  }
}
