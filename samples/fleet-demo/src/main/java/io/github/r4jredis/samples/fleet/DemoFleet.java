package io.github.r4jredis.samples.fleet;

import io.github.r4jredis.fallback.FallbackChain;
import io.github.r4jredis.fallback.FallbackResult;
import io.github.r4jredis.fallback.Operation;
import io.github.r4jredis.fallback.PayloadCodec;
import io.github.r4jredis.fallback.QueueStats;
import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.fallback.StaleCache;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * N nodes of one design calling {@link FlakyService}: 80 % reads of free slots, 20 % bookings,
 * at a steady total rate. Both designs use the same Resilience4j config and are offered the same
 * requests (the k-th of each fleet is the same read or booking, on the same node); what differs
 * is whether the breaker (and the fallback chain) is shared.
 *
 * <p>The load is open: a ticker issues the requests due by now, whatever the ones before became,
 * and a pool of callers runs them. A fleet slower to answer (say, one whose calls wait on a dead
 * dependency) is still offered every request, which then waits for a caller; the demo reports
 * the rate it achieved.
 */
abstract class DemoFleet implements AutoCloseable {

  /** The same breaker settings for both designs. */
  static final CircuitBreakerConfig BREAKER = CircuitBreakerConfig.custom()
      .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
      .slidingWindowSize(20)
      .minimumNumberOfCalls(10)
      .failureRateThreshold(50)
      .waitDurationInOpenState(Duration.ofSeconds(4))
      .permittedNumberOfCallsInHalfOpenState(3)
      .build();

  /** A breaker transition on one node, on the demo's clock. */
  record Transition(long nanos, int node, State to) {}

  /** What the users of one fleet were answered. */
  static final class Tally {
    final LongAdder liveReads = new LongAdder();
    final LongAdder staleReads = new LongAdder();
    final LongAdder failedReads = new LongAdder();
    final LongAdder liveBookings = new LongAdder();
    final LongAdder queuedBookings = new LongAdder();
    final LongAdder refusedBookings = new LongAdder();

    long answered() {
      return liveReads.sum() + staleReads.sum() + failedReads.sum()
          + liveBookings.sum() + queuedBookings.sum() + refusedBookings.sum();
    }
  }

  /** Callers per fleet: enough that a call waiting on calcom does not hold up the others. */
  private static final int CALLERS = 16;
  /** How often the ticker issues the requests due. */
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  final String label;
  final int size;
  final FlakyService service;
  /** Node {@code i}'s breaker; filled by the subclass's constructor. */
  final List<CircuitBreaker> breakers = new ArrayList<>();
  final Tally tally = new Tally();
  final ConcurrentLinkedQueue<Transition> transitions = new ConcurrentLinkedQueue<>();
  // Java 17's HttpClient cannot be closed: it gets an executor that can.
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(4, daemon("demo-http"));
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(1)).executor(httpExecutor).build();
  private final ScheduledExecutorService ticker;
  private final ExecutorService callers;
  /** Requests issued so far; the k-th is the same request in both fleets. */
  private final AtomicLong issued = new AtomicLong();
  /** Opens once the last request is issued: {@link #stop} waits for it. */
  private final CountDownLatch allIssued = new CountDownLatch(1);
  private volatile long startNanos;
  private volatile long lastAnswerNanos;

  DemoFleet(String label, int size, FlakyService service) {
    this.label = label;
    this.size = size;
    this.service = service;
    this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("demo-" + label + "-ticker"));
    this.callers = Executors.newFixedThreadPool(CALLERS, daemon("demo-" + label));
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  CircuitBreaker breaker(int node) {
    return breakers.get(node);
  }

  /** One user request on node {@code node}: a read or a booking, through its protection. */
  abstract void call(int node, boolean read, String day, String bookingKey);

  /**
   * Starts the requests: {@code totalRate} per second for the whole fleet, spread over its nodes
   * in turn, {@code requests} in all.
   */
  void start(int totalRate, long requests) {
    for (int i = 0; i < size; i++) {
      int node = i;
      breaker(node).getEventPublisher().onStateTransition(e ->
          transitions.add(new Transition(System.nanoTime(), node, e.getStateTransition().getToState())));
    }
    startNanos = System.nanoTime();
    ticker.scheduleAtFixedRate(() -> {
      long due = Math.min(requests, (System.nanoTime() - startNanos) * totalRate / TimeUnit.SECONDS.toNanos(1));
      for (long k = issued.get(); k < due; k = issued.incrementAndGet()) {
        long request = k;
        callers.execute(() -> request(request));
      }
      if (issued.get() >= requests) {
        allIssued.countDown();
      }
    }, 0, TICK_NANOS, TimeUnit.NANOSECONDS);
  }

  /** The k-th request: every fifth a booking, the others reads, on node k mod size. */
  private void request(long k) {
    int node = (int) (k % size);
    boolean read = k % 5 != 0;
    String day = "2026-12-0" + (1 + (k / 5) % 7);
    try {
      call(node, read, day, read ? "" : label.charAt(0) + "-" + k);
    } catch (RuntimeException e) {
      // A demo node keeps going whatever happens; what users saw is in the tally.
    }
    lastAnswerNanos = System.nanoTime();
  }

  /** Requests issued so far. */
  long issued() {
    return issued.get();
  }

  /** Requests answered per second, from the start to the last answer. */
  double achievedRate() {
    long nanos = lastAnswerNanos - startNanos;
    return nanos <= 0 ? 0 : tally.answered() * 1e9 / nanos;
  }

  /** How many nodes are in each state now. */
  Map<State, Integer> states() {
    Map<State, Integer> counts = new EnumMap<>(State.class);
    for (int i = 0; i < size; i++) {
      counts.merge(breaker(i).getState(), 1, Integer::sum);
    }
    return counts;
  }

  /** Operations waiting in the retry queue (0 for a design without one). */
  long queued() {
    return 0;
  }

  String getSlots(String day, CircuitBreaker breaker) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.uri("/slots?" + day))
        .header(FlakyService.BREAKER_STATE, breaker.getState().name())
        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return check(response);
  }

  String book(String day, String key, CircuitBreaker breaker) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.uri("/bookings"))
        .header(FlakyService.BREAKER_STATE, breaker.getState().name())
        .header(FlakyService.IDEMPOTENCY_KEY, key)
        .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString(day)).build(),
        HttpResponse.BodyHandlers.ofString());
    return check(response);
  }

  private static String check(HttpResponse<String> response) throws IOException {
    if (response.statusCode() >= 500) {
      throw new IOException("calcom answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * Waits for the last request to be issued (each fleet started a moment after the demo's clock,
   * so its last tick may still be due), then lets the ones issued finish, so every answer is
   * counted and both fleets are offered the same requests.
   */
  void stop() throws InterruptedException {
    // A fleet whose ticker fell more than 5 s behind goes on: it reports the requests it was offered.
    allIssued.await(5, TimeUnit.SECONDS);
    ticker.shutdown();
    ticker.awaitTermination(5, TimeUnit.SECONDS);
    callers.shutdown();
    callers.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    callers.shutdownNow();
    httpExecutor.shutdownNow();
  }

  /**
   * r4j-redis: one fleet-shared breaker per node registry, each node with its own Redisson
   * client (as separate servers would have), reads through a stale cache shared by the fleet,
   * bookings through a durable retry queue.
   */
  static final class Shared extends DemoFleet {

    private final EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<RedissonClient> clients = new ArrayList<>();
    private final List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    private final List<RetryQueue> queues = new ArrayList<>();
    private final List<FallbackChain<String>> chains = new ArrayList<>();

    Shared(int size, FlakyService service, RedisServer redis, String keyPrefix) {
      super("r4j-redis", size, service);
      for (int i = 0; i < size; i++) {
        String nodeId = String.format("node-%02d", i + 1);
        RedissonClient client = redis.newRedisson(this::sharedEventLoops);
        clients.add(client);
        MeterRegistry meters = new SimpleMeterRegistry(); // each node its own, as on separate servers
        RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
            .meterRegistry(meters)
            .withCircuitBreakerConfig(BREAKER)
            .keyPrefix(keyPrefix)
            .nodeId(nodeId)
            .build();
        registries.add(registry);
        CircuitBreaker breaker = registry.circuitBreaker("calcom");
        breakers.add(breaker);
        StaleCache<String> cache = StaleCache.<String>builder("slots")
            .keyPrefix(keyPrefix)
            .maxStaleness(Duration.ofMinutes(10))
            .shared(client, PayloadCodec.text())
            .build();
        RetryQueue queue = RetryQueue.builder(client, "bookings")
            .keyPrefix(keyPrefix)
            .nodeId(nodeId)
            .circuitBreaker(breaker)
            .drainInterval(Duration.ofMillis(500))
            .meterRegistry(meters)
            .build()
            .register("create-booking", PayloadCodec.text(), (day, ctx) -> book(day, ctx.idempotencyKey(), breaker));
        queues.add(queue);
        chains.add(FallbackChain.<String>builder("calcom")
            .circuitBreaker(breaker)
            .staleCache(cache)
            .retryQueue(queue)
            .meterRegistry(meters)
            .build());
      }
    }

    /** The test kit's small pools, on one shared event loop group: 500 nodes fit in one JVM. */
    private void sharedEventLoops(Config config) {
      config.setEventLoopGroup(eventLoops);
      config.setThreads(1);
    }

    @Override
    void call(int node, boolean read, String day, String bookingKey) {
      CircuitBreaker breaker = breakers.get(node);
      if (read) {
        FallbackResult<String> answer = chains.get(node).read("slots:" + day, () -> getSlots(day, breaker));
        switch (answer.tier()) {
          case PRIMARY -> tally.liveReads.increment();
          case STALE_CACHE -> tally.staleReads.increment();
          default -> tally.failedReads.increment();
        }
      } else {
        FallbackResult<String> answer = chains.get(node).write(
            Operation.of("create-booking", day).withIdempotencyKey(bookingKey), () -> book(day, bookingKey, breaker));
        switch (answer.tier()) {
          case PRIMARY -> tally.liveBookings.increment();
          case QUEUED -> tally.queuedBookings.increment();
          default -> tally.refusedBookings.increment();
        }
      }
    }

    @Override
    long queued() {
      QueueStats stats = queues.get(0).stats();
      return stats.ready() + stats.delayed();
    }

    /** Whether every booking a user was told is taken has reached calcom. */
    boolean allBookingsMade() {
      return queued() == 0 && service.bookings() >= tally.liveBookings.sum() + tally.queuedBookings.sum();
    }

    /** The fleet's shared view of the breaker, as an operator would read it. */
    RedisCircuitBreakerRegistry registry(int node) {
      return registries.get(node);
    }

    @Override
    public void close() {
      super.close();
      queues.forEach(RetryQueue::close);
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
  }

  /** Plain Resilience4j: one breaker per node, each learning about the outage on its own. */
  static final class Independent extends DemoFleet {

    Independent(int size, FlakyService service) {
      super("independent", size, service);
      for (int i = 0; i < size; i++) {
        breakers.add(CircuitBreaker.of("calcom", BREAKER));
      }
    }

    @Override
    void call(int node, boolean read, String day, String bookingKey) {
      CircuitBreaker breaker = breakers.get(node);
      try {
        if (read) {
          breaker.executeCallable(() -> getSlots(day, breaker));
          tally.liveReads.increment();
        } else {
          breaker.executeCallable(() -> book(day, bookingKey, breaker));
          tally.liveBookings.increment();
        }
      } catch (Exception e) { // refused by the open breaker, or calcom failed: the user sees an error
        (read ? tally.failedReads : tally.refusedBookings).increment();
      }
    }
  }
}
