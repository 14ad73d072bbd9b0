package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.state.FleetNames;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** The retry queue against a real Redis: delivery, retries, dead letters, review, breaker, several nodes. */
@RedisTest
class RetryQueueIT {

  /** The payload of the tests' bookings. */
  record Booking(String patient, String slot) {}

  private static final Duration AWAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final MutableClock clock = new MutableClock();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private RedisServer redis;
  private String prefix;

  @BeforeEach
  void setUp(RedisServer redis, @KeyPrefix String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  /** A node's queue "bookings", drained by hand unless the customizer sets an interval. */
  private RetryQueue queue(UnaryOperator<RetryQueue.Builder> customizer) {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    RetryQueue queue = customizer.apply(RetryQueue.builder(client, "bookings")
        .keyPrefix(prefix).drainInterval(Duration.ZERO).clock(clock).meterRegistry(meters)
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).randomization(0).build())).build();
    closeables.add(queue);
    return queue;
  }

  private RetryQueue queue() {
    return queue(b -> b);
  }

  private static Operation<Booking> booking(String key) {
    return Operation.of("create-booking", new Booking("p-" + key, "mon-09:00")).withIdempotencyKey(key);
  }

  /**
   * Stamps and due times are the fleet's clock, Redis {@code TIME}, not the node's (nodes' clocks
   * differ; a due time one writes, another reads). On a Redis whose clock is an hour behind this
   * JVM's, an operation is stamped an hour back, its backoff runs on Redis's clock, and its age is
   * measured on the clock that stamped it.
   */
  @Test
  void stampsAndDueTimesAreRedisTime(@KeyPrefix String prefix) {
    org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
    try (RedisServer behind = RedisServer.builder().clockOffset(Duration.ofHours(-1)).start()) {
      RedissonClient client = behind.newRedisson();
      closeables.add(client::shutdown);
      AtomicInteger calls = new AtomicInteger();
      RetryQueue queue = RetryQueue.builder(client, "bookings").keyPrefix(prefix).drainInterval(Duration.ZERO)
          .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialInterval(Duration.ofSeconds(30)).randomization(0)
              .build())
          .build() // the system clock: the fleet's is Redis TIME
          .register("create-booking", Booking.class, (booking, ctx) -> {
            calls.incrementAndGet();
            throw new IOException("calcom down");
          });
      closeables.add(queue);

      queue.enqueue(booking("b-1"));
      long redisNow = behind.timeMillis();
      String stream = prefix + ":fb:{bookings}:stream";
      long stamped = Long.parseLong(client.<String, String>getStream(stream, StringCodec.INSTANCE)
          .range(StreamRangeArgs.startId(StreamMessageId.MIN).endId(StreamMessageId.MAX).count(1)).values().iterator()
          .next().get("enqueuedAt"));
      assertThat(stamped).isBetween(redisNow - 5_000, redisNow);
      assertThat(queue.stats().oldestAge()).isLessThan(Duration.ofMinutes(1)); // not an hour: one clock

      assertThat(queue.drain().retried()).isEqualTo(1);
      long due = client.<String>getScoredSortedSet(prefix + ":fb:{bookings}:delayed", StringCodec.INSTANCE)
          .firstScore().longValue();
      assertThat(due).isBetween(redisNow + 30_000, behind.timeMillis() + 30_000);
      queue.drain(); // not due on Redis's clock
      assertThat(calls).hasValue(1);

      List<QueueEntry> told = new CopyOnWriteArrayList<>();
      queue.review().onSubmitted(told::add).submit(booking("b-2"), "checked by hand", Map.of());
      assertThat(told).singleElement().extracting(QueueEntry::enqueuedAt)
          .isEqualTo(queue.review().list(1).get(0).enqueuedAt()); // listeners see the stamp Redis holds

      // Since when no node had a handler: one node stamps it, the others compare it with their now.
      queue.enqueue(Operation.of("cancel-booking", "b-3").withIdempotencyKey("cancel-3"));
      assertThat(queue.drain().unhandled()).as("no handler here").isEqualTo(1);
      String waiting = client.<String>getScoredSortedSet(prefix + ":fb:{bookings}:delayed", StringCodec.INSTANCE)
          .readAll().stream().filter(e -> e.contains("cancel-3")).findFirst().orElseThrow();
      java.util.regex.Matcher since = java.util.regex.Pattern.compile("\"unhandledSince\":\"(\\d+)\"").matcher(waiting);
      assertThat(since.find()).as(waiting).isTrue();
      assertThat(Long.parseLong(since.group(1))).isBetween(behind.timeMillis() - 10_000, behind.timeMillis());
    }
  }

  @Test
  void queuedOperationsRunOnceAndTheirKeysKeepDuplicatesOut() {
    List<String> booked = new CopyOnWriteArrayList<>();
    List<OperationContext> contexts = new CopyOnWriteArrayList<>();
    RetryQueue queue = queue().register("create-booking", Booking.class, (booking, ctx) -> {
      booked.add(booking.patient());
      contexts.add(ctx);
    });

    Receipt first = queue.enqueue(booking("b-1"));
    assertThat(first.duplicate()).isFalse();
    assertThat(first.id()).matches("\\d+-\\d+");
    assertThat(queue.enqueue(booking("b-1"))).isEqualTo(new Receipt("", true)); // still queued
    queue.enqueue(booking("b-2"));
    assertThat(queue.stats().ready()).isEqualTo(2);

    DrainResult result = queue.drain();

    assertThat(result).isEqualTo(new DrainResult(2, 0, 0, 0, 0, 0, 0));
    assertThat(booked).containsExactly("p-b-1", "p-b-2");
    assertThat(contexts.get(0).idempotencyKey()).isEqualTo("b-1");
    assertThat(contexts.get(0).attempt()).isEqualTo(1);
    assertThat(contexts.get(0).enqueuedAt()).isEqualTo(clock.instant());
    assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 0, 0));
    assertThat(queue.enqueue(booking("b-1")).duplicate()).isTrue(); // done within the retention
    assertThat(queue.drain().total()).isZero();
  }

  @Test
  void aDoneKeyIsForgottenAfterTheRetention() {
    RetryQueue queue = queue(b -> b.idempotencyRetention(Duration.ofMinutes(1)))
        .register("create-booking", Booking.class, (booking, ctx) -> { });
    queue.enqueue(booking("b-1"));
    queue.drain();

    clock.advance(Duration.ofMinutes(2));
    queue.enqueue(booking("b-2"));
    queue.drain(); // completing b-2 prunes keys done before the retention

    assertThat(queue.enqueue(booking("b-1")).duplicate()).isFalse();
  }

  @Test
  void failuresBackOffExponentiallyThenGoToTheDeadLetters() {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    RetryQueue queue = queue().register("create-booking", Booking.class, (booking, ctx) -> {
      attempts.add(ctx.attempt());
      throw new IOException("calcom is down");
    });
    queue.enqueue(booking("b-1"));

    assertThat(queue.drain().retried()).isEqualTo(1);
    assertThat(queue.stats().delayed()).isEqualTo(1);
    assertThat(queue.drain().total()).as("not due yet").isZero();
    clock.advance(Duration.ofMillis(999));
    assertThat(queue.drain().total()).as("1 s after the first failure").isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(queue.drain().retried()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1999));
    assertThat(queue.drain().total()).as("2 s after the second failure").isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(queue.drain().deadLettered()).isEqualTo(1);

    assertThat(attempts).containsExactly(1, 2, 3);
    QueueEntry dead = queue.deadLetters(10).get(0);
    assertThat(dead.operation()).isEqualTo("create-booking");
    assertThat(dead.idempotencyKey()).isEqualTo("b-1");
    assertThat(dead.attempts()).isEqualTo(3);
    assertThat(dead.reason()).isEqualTo("failed 3 times, last: IOException: calcom is down");
    assertThat(dead.payload()).isEqualTo("{\"patient\":\"p-b-1\",\"slot\":\"mon-09:00\"}");
    assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 1, 0));
    assertThat(queue.enqueue(booking("b-1")).duplicate()).as("a dead letter may be queued again").isFalse();
  }

  @Test
  void aPoisonMessageIsDeadLetteredAndTheQueueKeepsFlowing() {
    RetryQueue web = queue(); // queues without handlers, as a web node does
    AtomicInteger booked = new AtomicInteger();
    RetryQueue worker = queue().register("create-booking", Booking.class, (booking, ctx) -> booked.incrementAndGet());
    for (int i = 0; i < 10; i++) {
      web.enqueue(booking("good-" + i));
    }
    web.enqueue(Operation.of("create-booking", "{not json").withIdempotencyKey("poison"));
    web.enqueue(Operation.of("cancel-booking", "b-7").withIdempotencyKey("unknown"));
    for (int i = 10; i < 20; i++) {
      web.enqueue(booking("good-" + i));
    }

    DrainResult result = worker.drain();

    assertThat(result.succeeded()).isEqualTo(20);
    assertThat(result.deadLettered()).isEqualTo(1);
    assertThat(result.unhandled()).as("no handler here: left for a node that has one").isEqualTo(1);
    assertThat(booked).hasValue(20);
    assertThat(worker.deadLetters(10)).extracting(QueueEntry::idempotencyKey).containsExactly("poison");
    assertThat(worker.deadLetters(10).get(0).reason()).startsWith("unreadable payload: IllegalArgumentException: not a ");
    assertThat(worker.stats().depth()).isEqualTo(1);
  }

  /**
   * A rolling deploy: the old nodes lack the new operation's handler. They leave it, attempts
   * unchanged, for a node that has one; it is dead-lettered only when none has for unhandledTimeout.
   */
  @Test
  void aNodeWithoutTheHandlerLeavesTheOperationForANodeThatHasIt() {
    RetryQueue old = queue(b -> b.unhandledTimeout(Duration.ofMinutes(10)));
    List<Integer> attempts = new ArrayList<>();
    RetryQueue upgraded = queue().register("cancel-booking", PayloadCodec.text(),
        (booking, ctx) -> attempts.add(ctx.attempt()));
    old.enqueue(Operation.of("cancel-booking", "b-7").withIdempotencyKey("cancel-7"));
    old.enqueue(Operation.of("cancel-booking", "b-8").withIdempotencyKey("cancel-8"));

    assertThat(old.drain().unhandled()).isEqualTo(2);
    assertThat(count("unhandled")).isEqualTo(2);
    assertThat(old.drain().total()).as("offered again after a drain interval, to the others first").isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(upgraded.drain().succeeded()).isEqualTo(2);
    assertThat(attempts).as("a node without the handler used no attempt").containsExactly(1, 1);
    assertThat(old.deadLetters(10)).isEmpty();

    // A node with the handler that fails with it ends the wait for one: the old node seeing it
    // again much later starts its wait afresh, it does not dead-letter it.
    RetryQueue failing = queue().register("cancel-booking", PayloadCodec.text(), (booking, ctx) -> {
      throw new IOException("calcom down");
    });
    old.enqueue(Operation.of("cancel-booking", "b-10").withIdempotencyKey("cancel-10"));
    assertThat(old.drain().unhandled()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(20));
    assertThat(failing.drain().retried()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(20));
    assertThat(old.drain().unhandled()).as("not the stale stamp of 40 min ago").isEqualTo(1);
    assertThat(old.deadLetters(10)).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(upgraded.drain().succeeded()).isEqualTo(1);

    old.enqueue(Operation.of("cancel-booking", "b-9").withIdempotencyKey("cancel-9"));
    for (int i = 0; i < 10; i++) { // only old nodes for ten minutes
      old.drain();
      clock.advance(Duration.ofMinutes(1));
    }
    assertThat(old.drain().deadLettered()).isEqualTo(1);
    assertThat(old.deadLetters(10)).singleElement().extracting(QueueEntry::reason).asString()
        .startsWith("no node had a handler for operation 'cancel-booking' for PT10M");
  }

  /** A failure that is the operation's own (a 400) is no failure of the dependency. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /**
   * Regression: a handler that always failed with a 400 was recorded as a failure of calcom, and
   * re-opened it for the whole fleet after recovery, twice. The operation's own failures are
   * dead-lettered at once and count neither way on the breaker, whether the queue or the
   * breaker's config says so.
   */
  @Test
  void theOperationsOwnFailuresAreDeadLetteredAtOnceAndNeverCountAgainstTheDependency() {
    CircuitBreakerConfig small = CircuitBreakerConfig.custom().slidingWindowSize(4).minimumNumberOfCalls(4).build();
    CircuitBreaker declared = CircuitBreaker.of("calcom", small);
    CircuitBreaker configured = CircuitBreaker.of("calcom-2", CircuitBreakerConfig.from(small)
        .ignoreExceptions(BadRequest.class).build());
    for (CircuitBreaker breaker : List.of(declared, configured)) {
      AtomicInteger booked = new AtomicInteger();
      RetryQueue queue = queue(b -> breaker == declared
          ? b.circuitBreaker(breaker).operationsOwnFailure(e -> e instanceof BadRequest)
          : b.circuitBreaker(breaker)).register("create-booking", Booking.class, (booking, ctx) -> {
            if (booking.patient().startsWith("p-bad")) {
              throw new BadRequest("400 no such slot");
            }
            booked.incrementAndGet();
          });
      for (int i = 0; i < 6; i++) {
        queue.enqueue(booking("bad-" + breaker.getName() + "-" + i));
      }
      queue.enqueue(booking("good-" + breaker.getName()));

      DrainResult result = queue.drain();

      assertThat(result.deadLettered()).as(breaker.getName()).isEqualTo(6);
      assertThat(result.retried()).isZero();
      assertThat(booked).hasValue(1);
      assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
      assertThat(queue.deadLetters(10)).allSatisfy(dead ->
          assertThat(dead.reason()).isEqualTo("the operation's own failure, not retried: BadRequest: 400 no such slot"));
      clock.advance(Duration.ofHours(1));
      assertThat(queue.drain().total()).as("never tried again").isZero();
    }
  }

  /** A half-open breaker's trial calls go to operations that can tell whether the dependency is back. */
  @Test
  void aPoisonOperationGivesBackTheTrialCallItTook() {
    CircuitBreaker breaker = CircuitBreaker.of("calcom", CircuitBreakerConfig.custom()
        .permittedNumberOfCallsInHalfOpenState(2).build());
    List<String> ran = new ArrayList<>();
    RetryQueue queue = queue(b -> b.circuitBreaker(breaker).operationsOwnFailure(e -> e instanceof BadRequest))
        .register("create-booking", Booking.class, (booking, ctx) -> {
          ran.add(booking.patient());
          if (booking.patient().startsWith("p-bad")) {
            throw new BadRequest("400");
          }
        });
    queue.enqueue(booking("bad-1"));
    queue.enqueue(booking("bad-2"));
    queue.enqueue(booking("good-1"));
    queue.enqueue(booking("good-2"));
    breaker.transitionToOpenState();
    breaker.transitionToHalfOpenState();

    DrainResult result = queue.drain();

    assertThat(result.deadLettered()).isEqualTo(2);
    assertThat(result.succeeded()).isEqualTo(2);
    assertThat(ran).containsExactly("p-bad-1", "p-bad-2", "p-good-1", "p-good-2");
    assertThat(breaker.getState()).as("both trial calls went to real work").isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void criticalOperationsGoToReviewWhereTheyAreResolvedOrRequeued() {
    List<QueueEntry> announced = new CopyOnWriteArrayList<>();
    AtomicInteger failuresLeft = new AtomicInteger(3);
    RetryQueue queue = queue(b -> b.retryPolicy(RetryPolicy.builder().maxAttempts(1).build()))
        .register("create-booking", Booking.class, (booking, ctx) -> {
          if (failuresLeft.getAndDecrement() > 0) {
            throw new IOException("502 Bad Gateway");
          }
        });
    queue.review().onSubmitted(announced::add);
    queue.enqueue(booking("b-1").critical());
    queue.enqueue(booking("b-2").critical());
    queue.enqueue(booking("b-3")); // not critical: dead letters

    assertThat(queue.drain()).isEqualTo(new DrainResult(0, 0, 1, 2, 0, 0, 0));

    List<QueueEntry> items = queue.review().list(10);
    assertThat(items).extracting(QueueEntry::idempotencyKey).containsExactly("b-1", "b-2");
    assertThat(items.get(0).reason()).isEqualTo("failed 1 time, last: IOException: 502 Bad Gateway");
    assertThat(items.get(0).context()).containsEntry("lastError", "IOException: 502 Bad Gateway");
    assertThat(announced).extracting(QueueEntry::id).containsExactlyElementsOf(items.stream().map(QueueEntry::id).toList());
    assertThat(queue.review().backlog()).isEqualTo(2);
    assertThat(queue.enqueue(booking("b-1")).duplicate()).as("under review").isTrue();

    assertThat(queue.review().resolve(items.get(0).id(), "booked by phone")).isTrue();
    assertThat(queue.review().resolve(items.get(0).id(), "twice")).isFalse();
    assertThat(queue.enqueue(booking("b-1")).duplicate()).as("resolved counts as done").isTrue();

    assertThat(queue.review().requeue(items.get(1).id())).isTrue();
    assertThat(queue.review().requeue(items.get(1).id())).isFalse();
    assertThat(queue.drain().succeeded()).isEqualTo(1); // the failures ran out
    assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 1, 0));
  }

  @Test
  void reviewOnFailureSkipsTheRetriesAndSubmitTakesAnythingToReview() {
    RetryQueue queue = queue().register("refund", String.class, (id, ctx) -> {
      throw new IllegalStateException("amount changed");
    });
    queue.enqueue(Operation.of("refund", "r-1").withIdempotencyKey("r-1").reviewOnFailure());

    assertThat(queue.drain().reviewed()).isEqualTo(1);
    assertThat(queue.review().list(10).get(0).reason())
        .isEqualTo("failed, flagged for review: IllegalStateException: amount changed");

    Receipt submitted = queue.review().submit(Operation.of("refund", "r-2").withIdempotencyKey("r-2"),
        "customer disputes the charge", Map.of("ticket", "T-1234"));
    assertThat(submitted.duplicate()).isFalse();
    assertThat(queue.review().submit(Operation.of("refund", "r-2").withIdempotencyKey("r-2"), "again", Map.of())
        .duplicate()).isTrue();
    QueueEntry item = queue.review().list(10).get(1);
    assertThat(item.id()).isEqualTo(submitted.id());
    assertThat(item.reason()).isEqualTo("customer disputes the charge");
    assertThat(item.context()).containsEntry("ticket", "T-1234");
    assertThat(item.payload()).isEqualTo("\"r-2\"");
  }

  @Test
  void anOpenBreakerKeepsTheQueueUnreadAndAHalfOpenOneLetsOnlyItsTrialCallsThrough() {
    CircuitBreaker breaker = CircuitBreaker.of("calcom", CircuitBreakerConfig.custom()
        .permittedNumberOfCallsInHalfOpenState(2).build());
    AtomicInteger calls = new AtomicInteger();
    RetryQueue queue = queue(b -> b.circuitBreaker(breaker)).register("create-booking", Booking.class,
        (booking, ctx) -> {
          calls.incrementAndGet();
          throw new IOException("still down");
        });
    for (int i = 0; i < 10; i++) {
      queue.enqueue(booking("b-" + i));
    }

    breaker.transitionToOpenState();
    assertThat(queue.drain().total()).isZero();
    assertThat(calls).hasValue(0);
    assertThat(queue.stats().ready()).isEqualTo(10);

    breaker.transitionToHalfOpenState();
    DrainResult trial = queue.drain();

    assertThat(calls).hasValue(2);
    assertThat(trial.retried()).isEqualTo(2);
    assertThat(trial.deferred()).isEqualTo(8);
    assertThat(count("deferred")).isEqualTo(8);
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    QueueStats stats = queue.stats();
    assertThat(stats.depth()).isEqualTo(10);
    assertThat(stats.delayed()).isEqualTo(10);
  }

  @Test
  void anIdleQueueDoesNotAskTheBreaker() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("calcom");
    RetryQueue queue = queue(b -> b.circuitBreaker(breaker));
    breaker.transitionToOpenState();

    assertThat(queue.drain().total()).isZero();

    assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isZero();
  }

  @Test
  void theQueueDrainsByItselfWhenTheBreakerCloses() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("calcom");
    AtomicInteger booked = new AtomicInteger();
    RetryQueue queue = queue(b -> b.circuitBreaker(breaker).drainInterval(Duration.ofHours(1)).clock(java.time.Clock.systemUTC()))
        .register("create-booking", Booking.class, (booking, ctx) -> booked.incrementAndGet());
    breaker.transitionToOpenState();
    for (int i = 0; i < 5; i++) {
      queue.enqueue(booking("b-" + i));
    }

    breaker.transitionToHalfOpenState();
    breaker.transitionToClosedState(); // the scheduled drain is an hour away: only the transition drains

    await().atMost(AWAIT).until(() -> booked.get() == 5);
    assertThat(queue.stats().depth()).isZero();
  }

  @Test
  void theMetersShowTheQueue() {
    RetryQueue queue = queue().register("create-booking", Booking.class, (booking, ctx) -> {
      throw new IOException("down");
    });
    queue.enqueue(booking("b-1"));
    clock.advance(Duration.ofSeconds(90));
    queue.enqueue(booking("b-2").reviewOnFailure());
    queue.stats();

    assertThat(gauge("r4jredis.fallback.queue.depth")).isEqualTo(2);
    assertThat(gauge("r4jredis.fallback.queue.oldest.age")).isEqualTo(90);
    queue.drain();
    assertThat(gauge("r4jredis.fallback.review.backlog")).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    queue.drain();
    clock.advance(Duration.ofSeconds(2));
    queue.drain();
    assertThat(gauge("r4jredis.fallback.dead.letters")).isEqualTo(1);
    assertThat(gauge("r4jredis.fallback.queue.depth")).isZero();
    assertThat(count("queued")).isEqualTo(2);
    assertThat(count("retried")).isEqualTo(2);
    assertThat(count("dead")).isEqualTo(1);
    assertThat(count("reviewed")).isEqualTo(1);
  }

  private double gauge(String name) {
    return meters.get(name).tag("queue", "bookings").gauge().value();
  }

  private double count(String outcome) {
    return meters.get("r4jredis.fallback.queue.operations").tag("queue", "bookings").tag("outcome", outcome)
        .counter().count();
  }

  @Test
  void severalNodesShareTheWorkAndRunEveryOperationExactlyOnce() throws Exception {
    int nodes = 4;
    int operations = 2000;
    Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> byNode = new ConcurrentHashMap<>();
    List<RetryQueue> queues = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      String node = "node-" + n;
      queues.add(queue(b -> b.nodeId(node).drainInterval(Duration.ofMillis(20)).batchSize(25)
          .clock(java.time.Clock.systemUTC()))
          .register("create-booking", Booking.class, (booking, ctx) -> {
            runs.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
            byNode.computeIfAbsent(node, k -> new AtomicInteger()).incrementAndGet();
          }));
    }
    ExecutorService producers = Executors.newFixedThreadPool(nodes);
    try {
      List<Future<Integer>> duplicates = new ArrayList<>();
      for (int n = 0; n < nodes; n++) {
        RetryQueue queue = queues.get(n);
        // Every producer sends every operation: three of each four are duplicates.
        duplicates.add(producers.submit(() -> {
          int seen = 0;
          for (int i = 0; i < operations; i++) {
            seen += queue.enqueue(booking("b-" + i)).duplicate() ? 1 : 0;
          }
          return seen;
        }));
      }
      int totalDuplicates = 0;
      for (Future<Integer> future : duplicates) {
        totalDuplicates += future.get();
      }
      assertThat(totalDuplicates).isEqualTo((nodes - 1) * operations);
    } finally {
      producers.shutdownNow();
    }

    await().atMost(AWAIT).until(() -> runs.size() == operations && queues.get(0).stats().depth() == 0);
    assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(byNode).hasSizeGreaterThan(1);
    System.out.printf("%d operations, %d nodes: runs per node %s%n", operations, nodes, byNode);
  }

  @Test
  void everyMoveWorksOnARedisClusterThroughTheHashTag(RedisCluster cluster) {
    Config config = new Config();
    config.useClusterServers().setNodeAddresses(cluster.nodeAddresses());
    RedissonClient client = Redisson.create(config);
    closeables.add(client::shutdown);
    AtomicInteger failures = new AtomicInteger(2);
    RetryQueue queue = RetryQueue.builder(client, "bookings").keyPrefix(prefix).drainInterval(Duration.ZERO)
        .clock(clock).meterRegistry(meters).retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).build()
        .register("create-booking", Booking.class, (booking, ctx) -> {
          if (failures.getAndDecrement() > 0) {
            throw new IOException("down");
          }
        });
    closeables.add(queue);
    queue.enqueue(booking("b-1"));
    queue.enqueue(booking("b-2").critical());
    queue.enqueue(booking("b-3"));

    assertThat(queue.drain()).isEqualTo(new DrainResult(1, 0, 1, 1, 0, 0, 0));
    assertThat(queue.review().requeue(queue.review().list(1).get(0).id())).isTrue();
    assertThat(queue.drain().succeeded()).isEqualTo(1);
    assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 1, 0));
  }

  @Test
  void badInputIsRejectedWithAClearMessage() {
    RetryQueue queue = queue().register("create-booking", Booking.class, (booking, ctx) -> { });
    assertThatThrownBy(() -> queue.register("create-booking", Booking.class, (booking, ctx) -> { }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("operation 'create-booking' already has a handler on queue bookings");
    assertThatThrownBy(() -> queue.enqueue(Operation.of("create-booking", "a string")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a " + Booking.class.getName() + ": java.lang.String");
    assertThatThrownBy(() -> queue.review().resolve("nonsense", "x"))
        .hasMessage("not a stream entry id (like 1700000000000-0): 'nonsense'");
    assertThatThrownBy(() -> queue.deadLetters(0)).hasMessage("max must be at least 1, was 0");
    assertThatThrownBy(() -> Operation.of("create booking", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> booking("k").withIdempotencyKey("a|b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetryQueue.builder(redis.newRedisson(), "bookings").batchSize(0))
        .hasMessage("batchSize must be in [1,10000], was 0");
    assertThatThrownBy(() -> RetryQueue.builder(redis.newRedisson(), "bookings").claimAfter(Duration.ofMillis(10)))
        .hasMessage("claimAfter must be at least 100 ms, was PT0.01S");
    assertThatThrownBy(() -> RetryQueue.builder(redis.newRedisson(), "bookings").nodeId("x".repeat(101)))
        .hasMessageStartingWith("nodeId must be 1-100 of [A-Za-z0-9._:@-], was 'xxx");
  }

  /**
   * A queue takes any node id a registry takes, its default included: R4jRedisFallbacks hands it
   * the registry's, which is up to 87 characters (a host name of 60), and the queue refused
   * anything over 64.
   */
  @Test
  void takesTheNodeIdOfTheRegistryWhoseBreakerItFollows() {
    String registryNodeId = "h".repeat(60) + "-4194304-a1b2c3" + "x".repeat(25); // 100 characters
    RetryQueue queue = queue(b -> b.nodeId(registryNodeId));
    queue.register("create-booking", Booking.class, (booking, ctx) -> { });
    queue.enqueue(booking("b-1"));

    assertThat(queue.drain().succeeded()).isEqualTo(1);
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    assertThat(RetryQueue.builder(client, "bookings").nodeId(FleetNames.defaultNodeId())).isNotNull();
  }
}
