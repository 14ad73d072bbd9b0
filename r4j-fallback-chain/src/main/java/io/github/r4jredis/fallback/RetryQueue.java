package io.github.r4jredis.fallback;

import io.github.r4jredis.fallback.internal.RedisRetryQueue;
import io.github.r4jredis.state.Bounds;
import io.github.r4jredis.state.FleetComponentBuilder;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * A durable queue of operations to run again later: a Redis stream read by a consumer group, so
 * every node of the fleet works on it and an operation survives the node that queued it.
 * At-least-once, with idempotency keys that make duplicates no-ops, exponential backoff with
 * jitter between attempts, a dead-letter stream, and manual review for critical operations.
 *
 * <pre>{@code
 * RetryQueue bookings = RetryQueue.builder(redisson, "bookings")
 *     .circuitBreaker(registry.circuitBreaker("calcom")) // drains when it closes, not while open
 *     .build()
 *     .register("create-booking", Booking.class, (booking, ctx) -> calcom.book(booking, ctx.idempotencyKey()));
 * bookings.enqueue(Operation.of("create-booking", booking).withIdempotencyKey(requestId));
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the background drain; queued operations stay in Redis.
 */
public interface RetryQueue extends AutoCloseable {

  /** A builder of the queue {@code name} (1-64 of {@code [A-Za-z0-9._:@-]}). */
  static Builder builder(RedissonClient redisson, String name) {
    return new Builder(redisson, name);
  }

  /** The queue's name. */
  String name();

  /** Registers the handler of an operation, its payload in JSON. Returns this queue. */
  <P> RetryQueue register(String operation, Class<P> payloadType, OperationHandler<P> handler);

  /** Registers the handler of an operation with its own payload codec. Returns this queue. */
  <P> RetryQueue register(String operation, PayloadCodec<P> codec, OperationHandler<P> handler);

  /**
   * Queues an operation unless one with the same idempotency key is queued, under review, or was
   * done within the retention. Its first run is at the next drain.
   *
   * @return the entry id, and whether it was a duplicate (then nothing was added)
   * @throws IllegalArgumentException when the codec registered for the operation cannot encode
   *     its payload
   * @throws FallbackStoreException when Redis cannot store it (nothing was queued)
   */
  Receipt enqueue(Operation<?> operation);

  /**
   * Runs one batch of what is due on this node: operations whose time came, and operations a
   * node read and abandoned longer than {@code claimAfter} ago (it died). Respects the circuit
   * breaker: while it permits no call, nothing is read; when it stops permitting calls in the
   * middle of a batch, the rest of the batch is put back untried.
   *
   * @throws FallbackStoreException when Redis does not answer
   */
  DrainResult drain();

  /**
   * How full the queue is.
   *
   * @throws FallbackStoreException when Redis does not answer
   */
  QueueStats stats();

  /**
   * The oldest dead letters, at most {@code max}.
   *
   * @throws FallbackStoreException when Redis does not answer
   */
  List<QueueEntry> deadLetters(int max);

  /** Items waiting for a person. */
  ManualReview review();

  /** When operations are tried again. */
  RetryPolicy retryPolicy();

  /** Stops the background drain. Idempotent. */
  @Override
  void close();

  /**
   * Settings of a queue. Not thread-safe. Beside its own: the key prefix, the breakers'; the node
   * id, this node's consumer name in the group (a registry's node id fits); the clock of the times
   * the queue stores (enqueue, due and completion times); and where the queue's meters go (see
   * {@link FleetComponentBuilder}). The clock: by default, and given any system clock
   * ({@code Clock.systemUTC()}, {@code Clock.system(zone)}), Redis {@code TIME} taken inside the
   * queue's scripts, so that nodes whose clocks differ agree on when an operation is due; any other
   * clock ({@code Clock.fixed}, {@code Clock.offset}, a test clock) is read on this node instead.
   */
  final class Builder extends FleetComponentBuilder<Builder> {

    /** Default interval of the background drain. */
    public static final Duration DEFAULT_DRAIN_INTERVAL = Duration.ofSeconds(1);

    /** Default operations a node runs per drain. */
    public static final int DEFAULT_BATCH_SIZE = 50;

    /** Default time an operation may stay with a node before another node takes it over. */
    public static final Duration DEFAULT_CLAIM_AFTER = Duration.ofSeconds(30);

    /** Default time a done key keeps duplicates away. */
    public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

    /** Default time an operation waits for a node that has its handler before it is dead-lettered. */
    public static final Duration DEFAULT_UNHANDLED_TIMEOUT = Duration.ofHours(1);

    private final RedissonClient redisson;
    private final String name;
    private @Nullable CircuitBreaker circuitBreaker;
    private RetryPolicy retryPolicy = RetryPolicy.ofDefaults();
    private Duration drainInterval = DEFAULT_DRAIN_INTERVAL;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration claimAfter = DEFAULT_CLAIM_AFTER;
    private Duration idempotencyRetention = DEFAULT_IDEMPOTENCY_RETENTION;
    private Duration unhandledTimeout = DEFAULT_UNHANDLED_TIMEOUT;
    private Predicate<Throwable> operationsOwnFailure = e -> false;

    private Builder(RedissonClient redisson, String name) {
      this.redisson = Objects.requireNonNull(redisson, "redisson");
      this.name = requireName("name", name);
    }

    /**
     * The breaker of the dependency the operations call: a drain runs nothing while it does not
     * permit calls, each run is recorded on it, and the queue drains as soon as it closes.
     */
    public Builder circuitBreaker(CircuitBreaker circuitBreaker) {
      this.circuitBreaker = Objects.requireNonNull(circuitBreaker, "circuitBreaker");
      return this;
    }

    /** When operations are tried again. Default {@link RetryPolicy#ofDefaults()}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** Interval of the background drain; zero for none (drain by hand). Default 1 s. */
    public Builder drainInterval(Duration drainInterval) {
      this.drainInterval = Bounds.notNegative("drainInterval", drainInterval);
      return this;
    }

    /** Operations a node runs per drain, 1-10,000: keeps a recovering dependency from a stampede. Default 50. */
    public Builder batchSize(int batchSize) {
      this.batchSize = Bounds.within("batchSize", batchSize, 1, 10_000);
      return this;
    }

    /**
     * How long an operation may stay with a node that read it before another node takes it over
     * (the node died); longer than the slowest handler run. At least 100 ms. Default 30 s.
     */
    public Builder claimAfter(Duration claimAfter) {
      this.claimAfter = Bounds.atLeast("claimAfter", claimAfter, Duration.ofMillis(100));
      return this;
    }

    /** How long a done idempotency key keeps duplicates out, at least 1 s. Default 24 h. */
    public Builder idempotencyRetention(Duration idempotencyRetention) {
      this.idempotencyRetention = Bounds.atLeast("idempotencyRetention", idempotencyRetention, Duration.ofSeconds(1));
      return this;
    }

    /**
     * How long an operation that no node has a handler for may wait for one before it goes to
     * the dead letters (a rolling deploy: a node of the old version reads an operation only the
     * new one knows). A node without the handler leaves the operation for the others, its
     * attempts unchanged. At least 1 s. Default 1 h.
     */
    public Builder unhandledTimeout(Duration unhandledTimeout) {
      this.unhandledTimeout = Bounds.atLeast("unhandledTimeout", unhandledTimeout, Duration.ofSeconds(1));
      return this;
    }

    /**
     * Which failures of a handler are the operation's own (a 400 for a payload the dependency
     * will never accept), not the dependency's: such an operation goes to the dead letters (to
     * review when it is critical or flagged for review) at once, never retried, and the breaker
     * records neither a failure nor a success (its permission, a trial call in HALF_OPEN, is
     * given back). Added to the breaker's own classification: a failure its config ignores
     * ({@code ignoreExceptions}) is the operation's own too, and Resilience4j treats it on the
     * breaker as it always does. Default: none beyond the breaker's.
     */
    public Builder operationsOwnFailure(Predicate<Throwable> operationsOwnFailure) {
      this.operationsOwnFailure = Objects.requireNonNull(operationsOwnFailure, "operationsOwnFailure");
      return this;
    }

    /** Builds the queue, creates its consumer group if needed, and starts the background drain. */
    public RetryQueue build() {
      return new RedisRetryQueue(redisson, keyPrefix, name, nodeId, circuitBreaker, retryPolicy, drainInterval,
          batchSize, claimAfter, idempotencyRetention, unhandledTimeout, operationsOwnFailure,
          clock != null ? clock : Clock.systemUTC(), meterRegistry); // the system clock: Redis TIME, in the scripts
    }

    static String requireName(String what, String value) {
      Objects.requireNonNull(value, what);
      if (!value.matches("[A-Za-z0-9._:@-]{1,64}")) {
        throw new IllegalArgumentException(what + " must be 1-64 of [A-Za-z0-9._:@-], was '" + value + "'");
      }
      return value;
    }
  }
}
