package io.github.r4jredis.fallback;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * When a queued operation is tried again: exponential backoff with jitter (Resilience4j's
 * {@link IntervalFunction#ofExponentialRandomBackoff}) up to a maximum number of attempts, with
 * per-operation overrides of that maximum.
 *
 * <p>Immutable and thread-safe.
 */
public final class RetryPolicy {

  /** Default attempts from the queue before an operation is dead-lettered or reviewed. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  /** Default wait before the second attempt. */
  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(1);

  /** Default growth of the wait per attempt. */
  public static final double DEFAULT_MULTIPLIER = 2.0;

  /** Default randomization: each wait is drawn within plus or minus this share. */
  public static final double DEFAULT_RANDOMIZATION = 0.5;

  /** Default longest wait. */
  public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofMinutes(5);

  /**
   * The parameters, as {@link #retryConfiguration()} reports them.
   *
   * @param maxAttempts attempts before giving up
   * @param initialInterval wait before the second attempt
   * @param multiplier growth per attempt
   * @param randomization jitter share
   * @param maxInterval longest wait
   * @param maxAttemptsByOperation overrides of maxAttempts
   */
  public record Configuration(int maxAttempts, Duration initialInterval, double multiplier,
      double randomization, Duration maxInterval, Map<String, Integer> maxAttemptsByOperation) {}

  private final Configuration configuration;
  private final IntervalFunction backoff;

  private RetryPolicy(Configuration configuration) {
    this.configuration = configuration;
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(configuration.initialInterval(),
        configuration.multiplier(), configuration.randomization(), configuration.maxInterval());
  }

  /** The defaults: 5 attempts, 1 s doubling with 50 % jitter, at most 5 min apart. */
  public static RetryPolicy ofDefaults() {
    return builder().build();
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether an operation that failed its {@code attempt}-th run (1-based) gets another one. */
  public boolean shouldRetry(String operation, int attempt) {
    return attempt < maxAttempts(operation);
  }

  /** The attempts an operation gets. */
  public int maxAttempts(String operation) {
    return configuration.maxAttemptsByOperation().getOrDefault(operation, configuration.maxAttempts());
  }

  /** How long to wait after the {@code attempt}-th failed run (1-based), with jitter. */
  public Duration backoff(int attempt) {
    return Duration.ofMillis(backoff.apply(Math.max(1, attempt)));
  }

  /** The parameters. */
  public Configuration retryConfiguration() {
    return configuration;
  }

  @Override
  public String toString() {
    return "RetryPolicy" + configuration;
  }

  /** Settings of a policy. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialInterval = DEFAULT_INITIAL_INTERVAL;
    private double multiplier = DEFAULT_MULTIPLIER;
    private double randomization = DEFAULT_RANDOMIZATION;
    private Duration maxInterval = DEFAULT_MAX_INTERVAL;
    private final Map<String, Integer> overrides = new HashMap<>();

    private Builder() {}

    /** Attempts from the queue, at least 1. Default 5. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = requireAttempts("maxAttempts", maxAttempts);
      return this;
    }

    /** Attempts for one operation, overriding {@link #maxAttempts(int)}. */
    public Builder maxAttempts(String operation, int maxAttempts) {
      overrides.put(Objects.requireNonNull(operation, "operation"), requireAttempts("maxAttempts", maxAttempts));
      return this;
    }

    /** Wait before the second attempt, positive. Default 1 s. */
    public Builder initialInterval(Duration initialInterval) {
      Objects.requireNonNull(initialInterval, "initialInterval");
      if (initialInterval.isNegative() || initialInterval.isZero()) {
        throw new IllegalArgumentException("initialInterval must be positive, was " + initialInterval);
      }
      this.initialInterval = initialInterval;
      return this;
    }

    /** Growth per attempt, at least 1. Default 2. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0)) {
        throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /** Jitter share in [0, 1). Default 0.5. */
    public Builder randomization(double randomization) {
      if (!(randomization >= 0.0 && randomization < 1.0)) {
        throw new IllegalArgumentException("randomization must be in [0,1), was " + randomization);
      }
      this.randomization = randomization;
      return this;
    }

    /** Longest wait, at least the initial interval. Default 5 min. */
    public Builder maxInterval(Duration maxInterval) {
      Objects.requireNonNull(maxInterval, "maxInterval");
      if (maxInterval.isNegative() || maxInterval.isZero()) {
        throw new IllegalArgumentException("maxInterval must be positive, was " + maxInterval);
      }
      this.maxInterval = maxInterval;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when maxInterval is shorter than initialInterval
     */
    public RetryPolicy build() {
      if (maxInterval.compareTo(initialInterval) < 0) {
        throw new IllegalStateException("maxInterval (" + maxInterval + ") must not be shorter than initialInterval ("
            + initialInterval + ")");
      }
      return new RetryPolicy(new Configuration(maxAttempts, initialInterval, multiplier, randomization,
          maxInterval, Map.copyOf(overrides)));
    }

    private static int requireAttempts(String name, int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, was " + attempts);
      }
      return attempts;
    }
  }
}
