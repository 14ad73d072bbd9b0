package io.github.r4jredis.fallback;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer of a fallback chain: which {@link Tier} gave it, the value (if that tier has one),
 * why the primary call did not answer, how old a cached value is and whose copy it was, a message
 * for the user that says what happened to <em>this</em> request, and, when the write could not
 * be kept, why the store refused it.
 *
 * <p>Immutable and thread-safe when the value is.
 *
 * @param <T> the type of the value
 */
public final class FallbackResult<T> {

  private final Tier tier;
  private final @Nullable T value;
  private final @Nullable Throwable cause;
  private final @Nullable Throwable storeFailure;
  private final Duration staleness;
  private final boolean fromFleet;
  private final String message;
  private final String notice;

  private FallbackResult(Tier tier, @Nullable T value, @Nullable Throwable cause, @Nullable Throwable storeFailure,
      Duration staleness, boolean fromFleet, String message, String notice) {
    this.tier = tier;
    this.value = value;
    this.cause = cause;
    this.storeFailure = storeFailure;
    this.staleness = staleness;
    this.fromFleet = fromFleet;
    this.message = message;
    this.notice = notice;
  }

  /** A fresh answer from the primary call; null for a call without a value (a write, say). */
  public static <T> FallbackResult<T> primary(@Nullable T value) {
    return new FallbackResult<>(Tier.PRIMARY, value, null, null, Duration.ZERO, false, "", "");
  }

  /**
   * A cached answer {@code staleness} old, served because the primary failed with {@code cause};
   * {@code fromFleet} when another node stored it, {@code message} tells the user it may be out
   * of date.
   *
   * @throws IllegalArgumentException when {@code staleness} is negative
   */
  public static <T> FallbackResult<T> stale(T value, Duration staleness, boolean fromFleet, Throwable cause,
      String message) {
    Objects.requireNonNull(staleness, "staleness");
    if (staleness.isNegative()) {
      throw new IllegalArgumentException("staleness must not be negative, was " + staleness);
    }
    return new FallbackResult<>(Tier.STALE_CACHE, Objects.requireNonNull(value, "value"),
        Objects.requireNonNull(cause, "cause"), null, staleness, fromFleet, Objects.requireNonNull(message, "message"),
        "");
  }

  /** A write accepted into the durable retry queue; {@code message} tells the user it will be done. */
  public static <T> FallbackResult<T> queued(Throwable cause, String message) {
    return withoutValue(Tier.QUEUED, cause, null, message);
  }

  /** A critical operation handed to manual review; {@code message} tells the user a person will finish it. */
  public static <T> FallbackResult<T> manualReview(Throwable cause, String message) {
    return withoutValue(Tier.MANUAL_REVIEW, cause, null, message);
  }

  /**
   * No tier could answer (a read with no value to serve, a write with nowhere to keep it);
   * {@code message} is fit to show to a user and says so.
   */
  public static <T> FallbackResult<T> failed(Throwable cause, String message) {
    return withoutValue(Tier.FAILED, cause, null, message);
  }

  /**
   * A write that was not kept: the primary failed with {@code cause}, and the store that was to
   * keep it (the retry queue, manual review) failed with {@code storeFailure}.
   */
  public static <T> FallbackResult<T> notKept(Throwable cause, Throwable storeFailure, String message) {
    return withoutValue(Tier.FAILED, cause, Objects.requireNonNull(storeFailure, "storeFailure"), message);
  }

  private static <T> FallbackResult<T> withoutValue(Tier tier, Throwable cause, @Nullable Throwable storeFailure,
      String message) {
    return new FallbackResult<>(tier, null, Objects.requireNonNull(cause, "cause"), storeFailure, Duration.ZERO,
        false, Objects.requireNonNull(message, "message"), "");
  }

  /**
   * This answer with {@code notice}, the application's state when it was given (the message of
   * its {@link Degradation} level, for a banner): it describes the application, not this request.
   */
  public FallbackResult<T> withNotice(String notice) {
    return new FallbackResult<>(tier, value, cause, storeFailure, staleness, fromFleet,
        message, Objects.requireNonNull(notice, "notice"));
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

  /**
   * Why a write was not kept: the retry queue's or manual review's failure (Redis down, say).
   * Empty unless the tier is {@link Tier#FAILED} because of it. (It is also added to the
   * {@link #cause()} as a suppressed exception where that exception allows it; Resilience4j's
   * {@code CallNotPermittedException}, the most common cause, does not.)
   */
  public Optional<Throwable> storeFailure() {
    return Optional.ofNullable(storeFailure);
  }

  /** Age of a cached value; zero for every other tier. */
  public Duration staleness() {
    return staleness;
  }

  /** Whether a cached value is the fleet's copy (another node stored it) rather than this node's. */
  public boolean fromFleet() {
    return fromFleet;
  }

  /** Whether the value is not fresh from the primary call. */
  public boolean isDegraded() {
    return tier != Tier.PRIMARY;
  }

  /**
   * What happened to this request, for the user: the value may be out of date, the write will
   * be done, a person will finish it, there is nothing to show, or nothing was saved. Empty for
   * {@link Tier#PRIMARY}.
   */
  public String message() {
    return message;
  }

  /** The application's state when this answer was given ({@link #withNotice}); empty without one. */
  public String notice() {
    return notice;
  }

  @Override
  public String toString() {
    return "FallbackResult[" + tier
        + (value != null ? ", value=" + value : "")
        + (tier == Tier.STALE_CACHE ? ", staleness=" + staleness + (fromFleet ? " (fleet)" : "") : "")
        + (cause != null ? ", cause=" + cause : "")
        + (storeFailure != null ? ", storeFailure=" + storeFailure : "")
        + (message.isEmpty() ? "" : ", message=" + message) + "]";
  }
}
