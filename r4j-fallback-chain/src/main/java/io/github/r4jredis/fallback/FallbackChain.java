package io.github.r4jredis.fallback;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the best answer available instead of an error, and never drops a write. A read tries,
 * in order, the primary call through the circuit breaker, then the last good value from the
 * {@link StaleCache}; a write tries the primary call, then the durable {@link RetryQueue} (or, for
 * an operation flagged {@link Operation#reviewOnFailure()}, manual review). What no tier can
 * answer ends as a {@link Tier#FAILED} result with a message fit for a user. Every tier is
 * optional. Each answer's {@link FallbackResult#message()} says what happened to that request;
 * with a {@link Degradation}, its {@link FallbackResult#notice()} says how the application is.
 *
 * <pre>{@code
 * FallbackChain<List<Slot>> slots = FallbackChain.<List<Slot>>builder("slots")
 *     .circuitBreaker(registry.circuitBreaker("calcom"))
 *     .staleCache(cache)
 *     .retryQueue(bookings)
 *     .degradation(degradation)
 *     .build();
 *
 * FallbackResult<List<Slot>> free = slots.read("slots:" + day, () -> calcom.freeSlots(day));
 * FallbackResult<Booking> booked = slots.write(Operation.of("create-booking", request)
 *     .withIdempotencyKey(requestId), () -> calcom.book(request, requestId));
 * }</pre>
 *
 * <p>Which failures fall back is {@link Builder#fallbackOn}; a refusal of the open breaker
 * always does. A failure that does not fall back is thrown as it is (a checked exception wrapped
 * in a {@link CompletionException}). Thread-safe.
 *
 * @param <T> the type of the values read
 */
public final class FallbackChain<T> {

  private static final Logger LOG = LoggerFactory.getLogger(FallbackChain.class);

  private final String name;
  private final @Nullable CircuitBreaker breaker;
  private final @Nullable StaleCache<T> cache;
  private final @Nullable RetryQueue queue;
  private final @Nullable Degradation degradation;
  private final Predicate<Throwable> fallbackOn;
  private final String staleMessage;
  private final String unavailableMessage;
  private final String queuedMessage;
  private final String reviewMessage;
  private final String notKeptMessage;
  private final Map<Tier, Counter> answers = new EnumMap<>(Tier.class);
  /** The same counts, kept here: a meter registry may drop them (no registry behind the global one, a filter). */
  private final Map<Tier, LongAdder> counts = new EnumMap<>(Tier.class);

  private FallbackChain(Builder<T> builder) {
    this.name = builder.name;
    this.breaker = builder.breaker;
    this.cache = builder.cache;
    this.queue = builder.queue;
    this.degradation = builder.degradation;
    this.fallbackOn = builder.fallbackOn;
    this.staleMessage = builder.staleMessage;
    this.unavailableMessage = builder.unavailableMessage;
    this.queuedMessage = builder.queuedMessage;
    this.reviewMessage = builder.reviewMessage;
    this.notKeptMessage = builder.notKeptMessage;
    for (Tier tier : Tier.values()) {
      counts.put(tier, new LongAdder());
      answers.put(tier, Counter.builder(FallbackMeters.ANSWERS.getName())
          .description(FallbackMeters.ANSWERS.description())
          .tag("chain", name)
          .tag("tier", tier.name().toLowerCase(Locale.ROOT))
          .register(builder.meterRegistry));
    }
  }

  /** A builder of the chain {@code name} (the {@code chain} tag of its meters). */
  public static <T> Builder<T> builder(String name) {
    return new Builder<>(name);
  }

  /** Its name. */
  public String name() {
    return name;
  }

  /**
   * The answers this chain gave on this node since it was built, by tier (every tier, 0 included),
   * as its {@code r4jredis.fallback.answers} counters count them, for code that wants them
   * without a meter registry. The queue's own are {@link RetryQueue#stats()}.
   */
  public Map<Tier, Long> answers() {
    Map<Tier, Long> snapshot = new EnumMap<>(Tier.class);
    counts.forEach((tier, count) -> snapshot.put(tier, count.sum()));
    return snapshot;
  }

  /**
   * Reads {@code key}: the primary call's value (remembered in the stale cache), else the last
   * good value of {@code key} if it is fresh enough, else a failure.
   */
  public FallbackResult<T> read(String key, Callable<? extends T> primary) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(primary, "primary");
    T value;
    try {
      value = call(primary);
    } catch (Exception e) {
      requireFallback(e);
      if (cache != null) {
        Optional<StaleCache.Stale<T>> stale = cache.get(key);
        if (stale.isPresent()) {
          return answered(FallbackResult.stale(stale.get().value(), stale.get().age(), stale.get().fromFleet(), e,
              staleMessage));
        }
      }
      return answered(FallbackResult.failed(e, unavailableMessage));
    }
    if (cache != null && value != null) {
      cache.put(key, value);
    }
    return answered(FallbackResult.primary(value));
  }

  /**
   * Runs a write: the primary call's value, else {@code operation} queued for later (or, flagged
   * {@link Operation#reviewOnFailure()}, handed to manual review), else a failure. A duplicate
   * of an operation already queued, under review or done answers as the tier it went to.
   */
  public <R> FallbackResult<R> write(Operation<?> operation, Callable<? extends R> primary) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(primary, "primary");
    R value;
    try {
      value = call(primary);
    } catch (Exception e) {
      requireFallback(e);
      return answered(keep(operation, e));
    }
    return answered(FallbackResult.primary(value));
  }

  private <R> FallbackResult<R> keep(Operation<?> operation, Exception cause) {
    if (queue == null) {
      return FallbackResult.failed(cause, notKeptMessage);
    }
    try {
      if (operation.isReviewOnFailure()) {
        queue.review().submit(operation, "primary call failed: " + cause, Map.of("chain", name));
        return FallbackResult.manualReview(cause, reviewMessage);
      }
      queue.enqueue(operation);
      return FallbackResult.queued(cause, queuedMessage);
    } catch (FallbackStoreException e) {
      // Neither the dependency nor Redis: the caller must know the write was not kept.
      LOG.warn("Chain {} could not keep {} after its primary call failed", name, operation, e);
      cause.addSuppressed(e); // a no-op on exceptions without suppression, as CallNotPermittedException
      return FallbackResult.notKept(cause, e, notKeptMessage);
    }
  }

  private <V> V call(Callable<? extends V> primary) throws Exception {
    return breaker == null ? primary.call() : breaker.executeCallable(primary);
  }

  private void requireFallback(Exception e) {
    if (e instanceof CallNotPermittedException || fallbackOn.test(e)) {
      return;
    }
    if (e instanceof RuntimeException runtime) {
      throw runtime;
    }
    throw new CompletionException(e);
  }

  private <R> FallbackResult<R> answered(FallbackResult<R> result) {
    answers.get(result.tier()).increment();
    counts.get(result.tier()).increment();
    return degradation == null ? result : result.withNotice(degradation.message());
  }

  @Override
  public String toString() {
    return "FallbackChain[" + name + (breaker != null ? ", breaker=" + breaker.getName() : "")
        + (cache != null ? ", " + cache : "") + (queue != null ? ", " + queue : "") + "]";
  }

  /** Settings of a chain. Not thread-safe. */
  public static final class Builder<T> {

    /** Default message of a read answered from the stale cache. */
    public static final String DEFAULT_STALE_MESSAGE =
        "This may be out of date: the service is temporarily unavailable.";

    /** Default message of a read that neither the primary nor the stale cache could answer. */
    public static final String DEFAULT_UNAVAILABLE_MESSAGE =
        "This is not available right now. Please try again later.";

    /** Default message of a write that could be neither done nor kept (no queue, or its store down). */
    public static final String DEFAULT_NOT_KEPT_MESSAGE =
        "Your request could not be completed and was not saved. Please try again later.";

    /** Default message of a queued write. */
    public static final String DEFAULT_QUEUED_MESSAGE =
        "Your request was received and will be completed as soon as the service is back.";

    /** Default message of a write handed to manual review. */
    public static final String DEFAULT_REVIEW_MESSAGE =
        "Your request was received; our team will complete it and get back to you.";

    private final String name;
    private @Nullable CircuitBreaker breaker;
    private @Nullable StaleCache<T> cache;
    private @Nullable RetryQueue queue;
    private @Nullable Degradation degradation;
    private Predicate<Throwable> fallbackOn = e -> true;
    private String staleMessage = DEFAULT_STALE_MESSAGE;
    private String unavailableMessage = DEFAULT_UNAVAILABLE_MESSAGE;
    private String queuedMessage = DEFAULT_QUEUED_MESSAGE;
    private String reviewMessage = DEFAULT_REVIEW_MESSAGE;
    private String notKeptMessage = DEFAULT_NOT_KEPT_MESSAGE;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;

    private Builder(String name) {
      this.name = RetryQueue.Builder.requireName("name", name);
    }

    /** The breaker that protects the primary call. */
    public Builder<T> circuitBreaker(CircuitBreaker circuitBreaker) {
      this.breaker = Objects.requireNonNull(circuitBreaker, "circuitBreaker");
      return this;
    }

    /** Where reads remember their values and fall back to. */
    public Builder<T> staleCache(StaleCache<T> staleCache) {
      this.cache = Objects.requireNonNull(staleCache, "staleCache");
      return this;
    }

    /** Where failed writes go (and its manual review, for operations flagged so). */
    public Builder<T> retryQueue(RetryQueue retryQueue) {
      this.queue = Objects.requireNonNull(retryQueue, "retryQueue");
      return this;
    }

    /**
     * The application's degradation, whose message at the time goes with every answer as its
     * {@link FallbackResult#notice()} (a banner's text). It never replaces the answer's own
     * message: "your changes are kept" is true of a queued write, not of every request at level 100.
     */
    public Builder<T> degradation(Degradation degradation) {
      this.degradation = Objects.requireNonNull(degradation, "degradation");
      return this;
    }

    /**
     * Which failures of the primary call fall back; the others are thrown (a validation error
     * should reach the caller, not the queue). Default: all. A refusal of the open breaker
     * always falls back.
     */
    public Builder<T> fallbackOn(Predicate<Throwable> fallbackOn) {
      this.fallbackOn = Objects.requireNonNull(fallbackOn, "fallbackOn");
      return this;
    }

    /** Message of a read answered from the stale cache. */
    public Builder<T> staleMessage(String staleMessage) {
      this.staleMessage = requireText("staleMessage", staleMessage);
      return this;
    }

    /** Message of a read with no value to serve. */
    public Builder<T> unavailableMessage(String unavailableMessage) {
      this.unavailableMessage = requireText("unavailableMessage", unavailableMessage);
      return this;
    }

    /** Message of a write that could be neither done nor kept. */
    public Builder<T> notKeptMessage(String notKeptMessage) {
      this.notKeptMessage = requireText("notKeptMessage", notKeptMessage);
      return this;
    }

    /** Message of a write that was queued. */
    public Builder<T> queuedMessage(String queuedMessage) {
      this.queuedMessage = requireText("queuedMessage", queuedMessage);
      return this;
    }

    /** Message of a write handed to manual review. */
    public Builder<T> reviewMessage(String reviewMessage) {
      this.reviewMessage = requireText("reviewMessage", reviewMessage);
      return this;
    }

    /** Where the {@code r4jredis.fallback.answers} counters go. Default Micrometer's global registry. */
    public Builder<T> meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** Builds the chain and registers its meters. */
    public FallbackChain<T> build() {
      return new FallbackChain<>(this);
    }

    private static String requireText(String what, String text) {
      Objects.requireNonNull(text, what);
      if (text.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return text;
    }
  }
}
