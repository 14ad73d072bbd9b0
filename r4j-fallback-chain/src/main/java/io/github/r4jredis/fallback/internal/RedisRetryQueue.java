package io.github.r4jredis.fallback.internal;

import io.github.r4jredis.fallback.DrainResult;
import io.github.r4jredis.fallback.FallbackMeters;
import io.github.r4jredis.fallback.FallbackStoreException;
import io.github.r4jredis.fallback.ManualReview;
import io.github.r4jredis.fallback.Operation;
import io.github.r4jredis.fallback.OperationContext;
import io.github.r4jredis.fallback.OperationHandler;
import io.github.r4jredis.fallback.PayloadCodec;
import io.github.r4jredis.fallback.QueueEntry;
import io.github.r4jredis.fallback.QueueStats;
import io.github.r4jredis.fallback.Receipt;
import io.github.r4jredis.fallback.RetryPolicy;
import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.state.OutageLog;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RetryQueue} on Redis: its keys and scripts are {@link QueueStore}'s, its manual review
 * is {@link RedisManualReview}; this class registers handlers, enqueues, drains and counts.
 *
 * <p>Thread-safe. Drains run on one background thread per queue, or on the caller's; a node
 * runs one drain at a time.
 */
public final class RedisRetryQueue implements RetryQueue {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRetryQueue.class);
  private static final String GROUP = "workers";
  private static final int MAX_ERROR_LENGTH = 500;

  /** What happened to one operation; the names are the values of the {@code outcome} tag. */
  private enum Outcome { QUEUED, DUPLICATE, SUCCEEDED, RETRIED, DEAD, REVIEWED, DEFERRED, UNHANDLED }

  private record Handler<P>(PayloadCodec<P> codec, OperationHandler<P> handler) {}

  private final RedissonClient redisson;
  private final String name;
  private final String nodeId;
  private final @Nullable CircuitBreaker breaker;
  private final RetryPolicy policy;
  private final int batchSize;
  private final Duration claimAfter;
  private final Duration retention;
  private final Duration unhandledTimeout;
  /** When an operation a node has no handler for is offered again (to the other nodes first). */
  private final long unhandledDelayMillis;
  private final Predicate<Throwable> operationsOwnFailure;
  /** Operations this node has no handler for that it has already said so about. */
  private final Set<String> unhandledLogged = ConcurrentHashMap.newKeySet();
  private final QueueStore store;
  private final RedisManualReview review;
  private final Map<String, Handler<?>> handlers = new ConcurrentHashMap<>();
  private final @Nullable ScheduledExecutorService scheduler;
  private final Object drainLock = new Object();
  private final OutageLog outages;
  private final AtomicReference<QueueStats> lastStats =
      new AtomicReference<>(new QueueStats(0, 0, Duration.ZERO, 0, 0));
  private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

  /** Use {@link RetryQueue#builder}. */
  public RedisRetryQueue(RedissonClient redisson, String prefix, String name, String nodeId,
      @Nullable CircuitBreaker breaker, RetryPolicy policy, Duration drainInterval, int batchSize,
      Duration claimAfter, Duration retention, Duration unhandledTimeout, Predicate<Throwable> operationsOwnFailure,
      Clock clock, MeterRegistry meters) {
    this.redisson = redisson;
    this.name = name;
    this.nodeId = nodeId;
    this.breaker = breaker;
    this.policy = policy;
    this.batchSize = batchSize;
    this.claimAfter = claimAfter;
    this.retention = retention;
    this.unhandledTimeout = unhandledTimeout;
    this.unhandledDelayMillis = drainInterval.isZero() ? 1000 : drainInterval.toMillis();
    this.operationsOwnFailure = operationsOwnFailure;
    this.store = new QueueStore(redisson, prefix, name, clock);
    this.review = new RedisManualReview(this, store, nodeId);
    this.outages = new OutageLog(LOG, "Queue " + name + " drains again");
    registerMeters(meters);
    createGroup();
    if (drainInterval.isZero()) {
      this.scheduler = null;
      return;
    }
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "r4j-fallback-" + name);
      thread.setDaemon(true);
      return thread;
    });
    this.scheduler = executor;
    executor.scheduleWithFixedDelay(this::drainQuietly, drainInterval.toMillis(), drainInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    if (breaker != null) {
      breaker.getEventPublisher().onStateTransition(event -> {
        if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED && !executor.isShutdown()) {
          executor.execute(this::drainQuietly); // the dependency is back: start on the queue now
        }
      });
    }
  }

  private void registerMeters(MeterRegistry meters) {
    Tags tags = Tags.of("queue", name);
    gauge(meters, tags, FallbackMeters.QUEUE_DEPTH, QueueStats::depth);
    gauge(meters, tags, FallbackMeters.QUEUE_OLDEST_AGE, s -> s.oldestAge().toMillis() / 1000.0);
    gauge(meters, tags, FallbackMeters.DEAD_LETTERS, QueueStats::deadLetters);
    gauge(meters, tags, FallbackMeters.REVIEW_BACKLOG, QueueStats::reviewBacklog);
    for (Outcome outcome : Outcome.values()) {
      counters.put(outcome, Counter.builder(FallbackMeters.QUEUE_OPERATIONS.getName())
          .description(FallbackMeters.QUEUE_OPERATIONS.description())
          .tags(tags).tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(meters));
    }
  }

  /** The gauges show the figures of the last drain or {@link #stats()} call: a scrape never waits for Redis. */
  private void gauge(MeterRegistry meters, Tags tags, FallbackMeters meter, ToDoubleFunction<QueueStats> value) {
    Gauge.builder(meter.getName(), lastStats, s -> value.applyAsDouble(s.get())).description(meter.description())
        .tags(tags).strongReference(true).register(meters);
  }

  private void createGroup() {
    try {
      redisson.getStream(store.stream(), StringCodec.INSTANCE)
          .createGroup(StreamCreateGroupArgs.name(GROUP).id(StreamMessageId.ALL).makeStream());
    } catch (RedisException e) {
      if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
        LOG.debug("Could not create the consumer group of queue {} (the next drain tries again): {}", name,
            e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- registration, enqueue

  @Override
  public String name() {
    return name;
  }

  @Override
  public <P> RetryQueue register(String operation, Class<P> payloadType, OperationHandler<P> handler) {
    return register(operation, PayloadCodec.json(payloadType), handler);
  }

  @Override
  public <P> RetryQueue register(String operation, PayloadCodec<P> codec, OperationHandler<P> handler) {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(handler, "handler");
    if (handlers.putIfAbsent(operation, new Handler<>(codec, handler)) != null) {
      throw new IllegalStateException("operation '" + operation + "' already has a handler on queue " + name);
    }
    return this;
  }

  @Override
  public Receipt enqueue(Operation<?> operation) {
    Receipt receipt = add(operation, "queue", Map.of()).receipt();
    counters.get(receipt.duplicate() ? Outcome.DUPLICATE : Outcome.QUEUED).increment();
    return receipt;
  }

  /** What {@link #add} stored: the receipt, and the entry's fields as Redis holds them. */
  record Added(Receipt receipt, Map<String, String> fields) {}

  /** Adds {@code operation} to the stream ({@code target} "queue") or the review ("review"). */
  Added add(Operation<?> operation, String target, Map<String, String> extra) {
    Map<String, String> fields = fields(operation, encode(operation), 0); // the script stamps enqueuedAt
    fields.putAll(extra);
    List<Object> reply = store.eval(QueueStore.ENQUEUE, "queue " + operation,
        QueueStore.args(List.of(operation.idempotencyKey(), target, store.now()), fields));
    if ("DUPLICATE".equals(reply.get(0))) {
      return new Added(new Receipt("", true), fields);
    }
    fields.put("enqueuedAt", reply.get(2).toString());
    return new Added(new Receipt(reply.get(1).toString(), false), fields);
  }

  @SuppressWarnings("unchecked")
  private <P> String encode(Operation<P> operation) {
    Handler<?> handler = handlers.get(operation.name());
    if (handler != null) {
      try {
        return ((PayloadCodec<P>) handler.codec()).encode(operation.payload());
      } catch (ClassCastException e) {
        throw new IllegalArgumentException("the payload of " + operation + " is a "
            + operation.payload().getClass().getName() + ", which its registered codec does not take", e);
      }
    }
    // Queued on a node without the handler (a web node; workers run it): strings as they are, else JSON.
    return operation.payload() instanceof String text ? text : Json.writeValue(operation.payload());
  }

  private static Map<String, String> fields(Operation<?> operation, String payload, long enqueuedAt) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("op", operation.name());
    fields.put("key", operation.idempotencyKey());
    fields.put("payload", payload);
    fields.put("attempt", "0");
    fields.put("enqueuedAt", Long.toString(enqueuedAt));
    fields.put("critical", operation.isCritical() ? "1" : "0");
    fields.put("review", operation.isReviewOnFailure() ? "1" : "0");
    return fields;
  }

  // ---------------------------------------------------------------- drain

  private void drainQuietly() {
    try {
      drain();
      outages.succeeded();
    } catch (RuntimeException e) {
      outages.failed("Queue " + name + " cannot drain (tried again every interval, logged once)", e);
    }
  }

  @Override
  public DrainResult drain() {
    synchronized (drainLock) {
      Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
      store.eval(QueueStore.PROMOTE, "promote due operations",
          List.of(store.now(), Integer.toString(batchSize)));
      // One permission up front, and only when there is work: while the breaker permits nothing
      // the queue is not even read, and an idle queue never claims a half-open breaker's trial call.
      boolean permitted = stats().ready() > 0 && (breaker == null || breaker.tryAcquirePermission());
      if (permitted) {
        boolean holding = breaker != null;
        try {
          Iterator<Map.Entry<StreamMessageId, Map<String, String>>> batch = read().entrySet().iterator();
          while (batch.hasNext()) {
            Map.Entry<StreamMessageId, Map<String, String>> entry = batch.next();
            Run run = new Run(entry.getKey().toString(), entry.getValue(), holding);
            holding = false;
            Outcome outcome = run.process();
            tally.merge(outcome, 1, Integer::sum);
            if (outcome == Outcome.DEFERRED) {
              // The breaker stopped permitting calls: the rest of the batch waits untried.
              batch.forEachRemaining(rest -> {
                deferred(rest.getKey().toString(), rest.getValue());
                tally.merge(count(Outcome.DEFERRED), 1, Integer::sum);
              });
            }
          }
        } finally {
          if (holding) {
            breaker.releasePermission();
          }
        }
      }
      stats();
      return new DrainResult(tally.getOrDefault(Outcome.SUCCEEDED, 0), tally.getOrDefault(Outcome.RETRIED, 0),
          tally.getOrDefault(Outcome.DEAD, 0), tally.getOrDefault(Outcome.REVIEWED, 0),
          tally.getOrDefault(Outcome.DUPLICATE, 0), tally.getOrDefault(Outcome.DEFERRED, 0),
          tally.getOrDefault(Outcome.UNHANDLED, 0));
    }
  }

  /** Operations abandoned by a dead node first, then new ones, {@code batchSize} in all. */
  private Map<StreamMessageId, Map<String, String>> read() {
    RStream<String, String> entries = redisson.getStream(store.stream(), StringCodec.INSTANCE);
    try {
      Map<StreamMessageId, Map<String, String>> batch = new LinkedHashMap<>(
          entries.autoClaim(GROUP, nodeId, claimAfter.toMillis(), TimeUnit.MILLISECONDS, StreamMessageId.MIN,
              batchSize).getMessages());
      if (batch.size() < batchSize) {
        batch.putAll(entries.readGroup(GROUP, nodeId, StreamReadGroupArgs.neverDelivered().count(batchSize - batch.size())));
      }
      return batch;
    } catch (RedisException e) {
      if (e.getMessage() != null && e.getMessage().contains("NOGROUP")) {
        createGroup(); // Redis lost the stream (restarted without persistence): nothing to read
        return Map.of();
      }
      throw new FallbackStoreException("Cannot read queue " + name + ": " + e.getMessage(), e);
    }
  }

  /** One delivery of one operation to this node. */
  private final class Run {
    private final String id;
    private final Map<String, String> fields;
    private final String operation;
    private final String key;
    private final int attempt;
    private boolean permitted;

    Run(String id, Map<String, String> fields, boolean permitted) {
      this.id = id;
      this.fields = fields;
      this.operation = fields.getOrDefault("op", "");
      this.key = fields.getOrDefault("key", id);
      this.attempt = QueueStore.parseInt(fields.get("attempt")) + 1;
      this.permitted = permitted;
    }

    Outcome process() {
      try {
        return decideAndRun();
      } finally {
        if (permitted && breaker != null) {
          breaker.releasePermission(); // taken for an operation that did not call the dependency
        }
      }
    }

    private Outcome decideAndRun() {
      if (store.isDone(key)) {
        complete(id, key); // a second copy of something done: drop it
        return count(Outcome.DUPLICATE);
      }
      Handler<?> handler = handlers.get(operation);
      if (handler == null) {
        return count(unhandled());
      }
      Prepared<?> prepared;
      try {
        prepared = Prepared.of(handler, fields.getOrDefault("payload", ""));
      } catch (RuntimeException e) {
        return count(bury(id, "dead", with(attempt - 1, describe(e)), "unreadable payload: " + describe(e),
            Map.of()) ? Outcome.DEAD : Outcome.DUPLICATE);
      }
      if (!permitted && breaker != null && !breaker.tryAcquirePermission()) {
        deferred(id, fields);
        return count(Outcome.DEFERRED);
      }
      permitted = false; // used by the call below
      long start = System.nanoTime();
      try {
        prepared.run(new OperationContext(operation, key, attempt,
            Instant.ofEpochMilli(QueueStore.parseLong(fields.get("enqueuedAt")))));
      } catch (Exception e) {
        boolean declared = operationsOwnFailure.test(e);
        if (breaker != null) {
          if (declared) {
            breaker.releasePermission(); // the dependency is not at fault: neither a failure nor a success
          } else {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e); // its config classifies it
          }
        }
        return count(declared || ignoredByBreaker(e) ? poisoned(e) : failed(e));
      }
      if (breaker != null) {
        breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      complete(id, key);
      return count(Outcome.SUCCEEDED);
    }

    /**
     * No handler here: left for a node that has one (a rolling deploy), its attempts unchanged,
     * offered again after a drain interval; dead-lettered once no node took it for
     * {@code unhandledTimeout}.
     */
    private Outcome unhandled() {
      long now = store.millis(); // the stamp of the first node that saw it is compared by the others
      // Before Redis told this node its time, this node's clock neither starts nor ends the wait.
      boolean timed = store.fleetTimeKnown();
      long since = QueueStore.parseLong(fields.get(UNHANDLED_SINCE));
      if (timed && since > 0 && now - since >= unhandledTimeout.toMillis()) {
        return bury(id, "dead", with(attempt - 1, ""), "no node had a handler for operation '" + operation
            + "' for " + unhandledTimeout + " (last: " + nodeId + ")", Map.of()) ? Outcome.DEAD : Outcome.DUPLICATE;
      }
      if (unhandledLogged.add(operation)) {
        LOG.warn("Queue {} has no handler for operation '{}' on node {}: left for a node that has one (dead-lettered"
            + " after {} without one)", name, operation, nodeId, unhandledTimeout);
      }
      Map<String, String> next = new LinkedHashMap<>(fields);
      if (since <= 0 && timed) {
        next.put(UNHANDLED_SINCE, Long.toString(now));
      }
      reschedule(id, next, unhandledDelayMillis);
      return Outcome.UNHANDLED;
    }

    /**
     * The operation's own failure: tried again it fails again. Dead letters (review when flagged
     * or critical) at once, whatever the retry policy says.
     */
    private Outcome poisoned(Exception error) {
      String message = describe(error);
      Map<String, String> next = with(attempt, message);
      String reason = "the operation's own failure, not retried: " + message;
      if ("1".equals(fields.get("review")) || "1".equals(fields.get("critical"))) {
        return review(next, reason);
      }
      return bury(id, "dead", next, reason, Map.of()) ? Outcome.DEAD : Outcome.DUPLICATE;
    }

    private Outcome failed(Exception error) {
      String message = describe(error);
      Map<String, String> next = with(attempt, message);
      if ("1".equals(fields.get("review"))) {
        return review(next, "failed, flagged for review: " + message);
      }
      if (policy.shouldRetry(operation, attempt)) {
        reschedule(id, next, policy.backoff(attempt).toMillis());
        return Outcome.RETRIED;
      }
      String reason = "failed " + attempt + (attempt == 1 ? " time" : " times") + ", last: " + message;
      if ("1".equals(fields.get("critical"))) {
        return review(next, reason);
      }
      return bury(id, "dead", next, reason, Map.of()) ? Outcome.DEAD : Outcome.DUPLICATE;
    }

    private Outcome review(Map<String, String> next, String reason) {
      return bury(id, "review", next, reason, Map.of()) ? Outcome.REVIEWED : Outcome.DUPLICATE;
    }

    private Map<String, String> with(int attempts, String lastError) {
      Map<String, String> next = new LinkedHashMap<>(fields);
      next.remove(UNHANDLED_SINCE); // this node has the handler: the wait for one is over
      next.put("attempt", Integer.toString(attempts));
      next.put("lastError", lastError);
      return next;
    }
  }

  /**
   * Whether the breaker's config ignores {@code error} ({@code ignoreExceptions}): no failure of
   * the dependency. (An exception its {@code recordExceptions} leaves out is not taken for the
   * operation's own: it may be a timeout nobody listed, and the queue retries it.)
   */
  private boolean ignoredByBreaker(Throwable error) {
    if (breaker == null) {
      return false;
    }
    CircuitBreakerConfig config = breaker.getCircuitBreakerConfig();
    return config.getIgnoreExceptionPredicate().test(error);
  }

  /** A decoded payload and its handler: decoding fails before the dependency is called. */
  private record Prepared<P>(OperationHandler<P> handler, P payload) {
    static <P> Prepared<P> of(Handler<P> handler, String payload) {
      return new Prepared<>(handler.handler(), handler.codec().decode(payload));
    }

    void run(OperationContext context) throws Exception {
      handler.handle(payload, context);
    }
  }

  private Outcome count(Outcome outcome) {
    counters.get(outcome).increment();
    return outcome;
  }

  private void complete(String id, String key) {
    store.eval(QueueStore.COMPLETE, "complete " + id,
        List.of(GROUP, id, key, store.now(), Long.toString(retention.toMillis())));
  }

  /** Back in the delayed set, due {@code delayMillis} from now on the fleet's clock. */
  private void reschedule(String id, Map<String, String> fields, long delayMillis) {
    store.eval(QueueStore.RESCHEDULE, "reschedule " + id,
        List.of(GROUP, id, store.now(), Long.toString(delayMillis), Json.write(fields)));
  }

  /** Put back untried (the breaker said no): due at the next drain, attempts unchanged. */
  private void deferred(String id, Map<String, String> fields) {
    Map<String, String> next = fields;
    if (fields.containsKey(UNHANDLED_SINCE) && handlers.containsKey(fields.getOrDefault("op", ""))) {
      next = new LinkedHashMap<>(fields);
      next.remove(UNHANDLED_SINCE); // a node with the handler holds it: the wait for one is over
    }
    reschedule(id, next, 0);
  }

  /** The field that says since when no node that saw an operation had its handler. */
  private static final String UNHANDLED_SINCE = "unhandledSince";

  /** Moves a pending entry to the dead letters or review; false when it was no longer pending. */
  private boolean bury(String id, String target, Map<String, String> fields, String reason,
      Map<String, String> context) {
    Map<String, String> entry = new LinkedHashMap<>(fields);
    entry.put("reason", reason);
    entry.put("context", Json.write(context));
    String key = fields.getOrDefault("key", id);
    Object newId = store.eval(QueueStore.BURY, "move " + id + " to " + target,
        QueueStore.args(List.of(GROUP, id, target, key, store.now()), entry)).get(0);
    if (newId.toString().isEmpty()) {
      return false;
    }
    if (target.equals("review")) {
      review.announce(QueueStore.toEntry(newId.toString(), entry));
    }
    return true;
  }

  // ---------------------------------------------------------------- manual review

  @Override
  public ManualReview review() {
    return review;
  }

  /** Counts an operation submitted for review ({@code duplicate}: it was there already). */
  void submitted(boolean duplicate) {
    counters.get(duplicate ? Outcome.DUPLICATE : Outcome.REVIEWED).increment();
  }

  // ---------------------------------------------------------------- stats and reads

  @Override
  public QueueStats stats() {
    List<Object> reply = store.eval(QueueStore.STATS, "read the state", List.of(store.now()));
    long oldest = ((Number) reply.get(4)).longValue();
    long now = ((Number) reply.get(5)).longValue(); // the clock that stamped it
    Duration age = oldest < 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, now - oldest));
    QueueStats stats = new QueueStats(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue(), age,
        ((Number) reply.get(2)).longValue(), ((Number) reply.get(3)).longValue());
    lastStats.set(stats);
    return stats;
  }

  @Override
  public List<QueueEntry> deadLetters(int max) {
    return store.range(store.deadLetters(), max);
  }

  @Override
  public RetryPolicy retryPolicy() {
    return policy;
  }

  private static String describe(Throwable error) {
    String text = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    return text.length() > MAX_ERROR_LENGTH ? text.substring(0, MAX_ERROR_LENGTH) : text;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "RetryQueue[" + name + "]";
  }
}
