package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.fallback.Degradation.Availability;
import io.github.r4jredis.fallback.Degradation.Feature;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Full degradation and recovery on two nodes sharing a breaker: the dependency fails, the fleet's
 * breaker opens, reads are served stale (also from the fleet's copy), writes are queued, the
 * dependency recovers, the breaker goes half-open then closed, and the queue drains.
 */
@RedisTest
class FallbackChainIT {

  private static final Duration AWAIT = Duration.ofSeconds(20);

  /** The payload of the tests' bookings. */
  record Booking(String patient, String slot) {}

  /** The appointment system both nodes call: up or down, and what it booked, by key. */
  static final class Calcom {
    final AtomicBoolean up = new AtomicBoolean(true);
    final Map<String, AtomicInteger> bookings = new ConcurrentHashMap<>();

    String slots(String day) throws IOException {
      if (!up.get()) {
        throw new IOException("calcom: 503");
      }
      return day + ": 09:00, 10:00";
    }

    String book(Booking booking, String idempotencyKey) throws IOException {
      if (!up.get()) {
        throw new IOException("calcom: 503");
      }
      bookings.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet();
      return "booked " + booking.slot() + " for " + booking.patient();
    }
  }

  /** One node of the app: a breaker registry, a stale cache, a queue, a degradation and a chain. */
  final class Node {
    final RedisCircuitBreakerRegistry registry;
    final RedisCircuitBreaker breaker;
    final RetryQueue queue;
    final Degradation degradation;
    final FallbackChain<String> chain;

    Node(RedisServer redis, String prefix, String id) {
      RedissonClient client = redis.newRedisson();
      closeables.add(client::shutdown);
      registry = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix).nodeId(id)
          .withCircuitBreakerConfig(CircuitBreakerConfig.custom()
              .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
              .failureRateThreshold(50)
              .waitDurationInOpenState(Duration.ofMillis(500))
              .permittedNumberOfCallsInHalfOpenState(3)
              .build())
          .meterRegistry(meters).build();
      closeables.add(registry::close);
      breaker = (RedisCircuitBreaker) registry.circuitBreaker("calcom");
      queue = RetryQueue.builder(client, "bookings").keyPrefix(prefix).nodeId(id).circuitBreaker(breaker)
          .drainInterval(Duration.ofMillis(100)).meterRegistry(meters).build()
          .register("create-booking", Booking.class, (booking, ctx) -> calcom.book(booking, ctx.idempotencyKey()));
      closeables.add(queue);
      degradation = Degradation.builder("app-" + id).dependency(breaker)
          .feature(Feature.named("list-slots").requires("calcom").worksDegraded())
          .feature(Feature.named("book").requires("calcom"))
          .meterRegistry(meters).build();
      StaleCache<String> cache = StaleCache.<String>builder("slots").keyPrefix(prefix)
          .shared(client, PayloadCodec.text()).build();
      chain = FallbackChain.<String>builder("slots-" + id).circuitBreaker(breaker).staleCache(cache)
          .retryQueue(queue).degradation(degradation).meterRegistry(meters).build();
    }

    FallbackResult<String> slots(String day) {
      return chain.read("slots:" + day, () -> calcom.slots(day));
    }

    FallbackResult<String> book(String key) {
      Booking booking = new Booking("p-" + key, "mon-09:00");
      return chain.write(Operation.of("create-booking", booking).withIdempotencyKey(key),
          () -> calcom.book(booking, key));
    }
  }

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Calcom calcom = new Calcom();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void degradesAndRecoversEndToEndWithoutLosingAWrite(RedisServer redis, @KeyPrefix String prefix) {
    Node a = new Node(redis, prefix, "a");
    Node b = new Node(redis, prefix, "b");
    List<State> seenByB = new CopyOnWriteArrayList<>();
    b.breaker.getEventPublisher().onStateTransition(e -> seenByB.add(e.getStateTransition().getToState()));
    await().atMost(AWAIT).until(() -> a.breaker.stateVersion() > 0 && b.breaker.stateVersion() > 0);

    // Healthy: fresh answers, remembered (node a's also in the fleet's copy).
    assertThat(a.slots("monday").tier()).isEqualTo(Tier.PRIMARY);
    assertThat(a.book("booking-0").tier()).isEqualTo(Tier.PRIMARY);
    assertThat(a.degradation.level()).isZero();

    // 1. The dependency fails: node a's failures open the fleet's breaker, node b's too.
    calcom.up.set(false);
    for (int i = 0; i < 10; i++) {
      a.slots("monday");
    }
    await().atMost(AWAIT).until(() -> b.breaker.getState() == State.OPEN);
    assertThat(a.breaker.getState()).isEqualTo(State.OPEN);
    assertThat(b.degradation.level()).isEqualTo(100);
    assertThat(b.degradation.availability("list-slots")).isEqualTo(Availability.DEGRADED);
    assertThat(b.degradation.isFeatureAvailable("book")).isFalse();

    // 2. Reads are served stale: on a from its own cache, on b (which never read monday) from the fleet's copy.
    FallbackResult<String> onA = a.slots("monday");
    FallbackResult<String> onB = b.slots("monday");
    assertThat(onA.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(onB.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(onB.value()).contains("monday: 09:00, 10:00");
    FallbackResult<String> neverSeen = b.slots("friday");
    assertThat(neverSeen.tier()).isEqualTo(Tier.FAILED);
    assertThat(neverSeen.message()).isEqualTo(FallbackChain.Builder.DEFAULT_UNAVAILABLE_MESSAGE);
    assertThat(neverSeen.notice()).isEqualTo(b.degradation.message());
    assertThat(onB.fromFleet()).as("b never read monday: the fleet's copy").isTrue();
    assertThat(onA.fromFleet()).isFalse();

    // 3. Writes are queued, on both nodes, and wait: the open breaker keeps the queue unread.
    for (int i = 1; i <= 10; i++) {
      FallbackResult<String> queued = (i % 2 == 0 ? a : b).book("booking-" + i);
      assertThat(queued.tier()).isEqualTo(Tier.QUEUED);
      assertThat(queued.message()).isEqualTo(FallbackChain.Builder.DEFAULT_QUEUED_MESSAGE);
    }
    assertThat(b.book("booking-3").tier()).as("a client's retry").isEqualTo(Tier.QUEUED);
    Booking vip = new Booking("p-vip", "mon-10:00");
    FallbackResult<String> reviewed = b.chain.write(
        Operation.of("create-booking", vip).withIdempotencyKey("vip").reviewOnFailure(), () -> calcom.book(vip, "vip"));
    assertThat(reviewed.tier()).isEqualTo(Tier.MANUAL_REVIEW);
    assertThat(reviewed.message()).isEqualTo(FallbackChain.Builder.DEFAULT_REVIEW_MESSAGE);
    assertThat(reviewed.notice()).isEqualTo(b.degradation.message());
    assertThat(b.queue.review().list(10)).hasSize(1);
    assertThat(a.queue.stats().depth()).isEqualTo(10);
    assertThat(calcom.bookings).containsOnlyKeys("booking-0");

    // 4. The dependency recovers: after the wait, trial calls pass, half-open, then closed.
    calcom.up.set(true);
    await().atMost(AWAIT).until(() -> {
      a.slots("monday");
      return a.breaker.getState() == State.CLOSED && b.breaker.getState() == State.CLOSED;
    });
    assertThat(seenByB).containsSubsequence(State.OPEN, State.HALF_OPEN, State.CLOSED);

    // 5. The queue drains by itself: every booking made exactly once, nothing lost.
    await().atMost(AWAIT).until(() -> a.queue.stats().depth() == 0 && calcom.bookings.size() == 11);
    assertThat(calcom.bookings.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(a.queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 0, 1)); // the VIP, for a person
    assertThat(a.slots("monday").tier()).isEqualTo(Tier.PRIMARY);
    assertThat(b.degradation.level()).isZero();
    assertThat(b.degradation.isFeatureAvailable("book")).isTrue();
    assertThat(meters.get("r4jredis.fallback.answers").tag("chain", "slots-b").tag("tier", "stale_cache")
        .counter().count()).isEqualTo(1);
    assertThat(meters.get("r4jredis.fallback.answers").tag("chain", "slots-a").tag("tier", "queued")
        .counter().count()).isEqualTo(5);
  }
}
