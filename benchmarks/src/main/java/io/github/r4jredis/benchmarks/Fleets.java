package io.github.r4jredis.benchmarks;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.StateMeters;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The three designs a simulation compares, as fleets of N nodes calling one dependency.
 * Node {@code i} is always the same node; every method may be called from any thread.
 */
abstract class Fleets implements AutoCloseable {

  /** Which design. */
  enum Design {
    /** r4j-redis: one shared breaker, state pushed, counts flushed in batches. */
    SHARED,
    /** One plain Resilience4j breaker per node, nothing shared. */
    INDEPENDENT,
    /** One Redis round trip per call to read the state, one more to record the outcome. */
    NAIVE;

    String label() {
      return switch (this) {
        case SHARED -> "r4j-redis (shared)";
        case INDEPENDENT -> "independent Resilience4j";
        case NAIVE -> "naive per-call Redis";
      };
    }

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Told when a node starts rejecting: its breaker opened (or, for a design without events, its first rejection). */
  interface OpenListener {
    void opened(int node, long nanos);
  }

  private volatile OpenListener listener = (node, nanos) -> { };

  static Fleets create(Design design, RedisServer redis, int nodes, CircuitBreakerConfig config,
      Duration syncInterval, String prefix) {
    return switch (design) {
      case SHARED -> new Shared(redis, nodes, config, syncInterval, prefix);
      case INDEPENDENT -> new Independent(nodes, config);
      case NAIVE -> new Naive(redis, nodes, config, prefix);
    };
  }

  void listen(OpenListener listener) {
    this.listener = listener;
  }

  void opened(int node) {
    listener.opened(node, System.nanoTime());
  }

  abstract Design design();

  abstract int size();

  /** Asks node {@code node}'s breaker for a permit. */
  abstract boolean tryAcquire(int node);

  /** Reports the outcome of a permitted call. */
  abstract void record(int node, boolean failure, long durationNanos);

  /** Back to CLOSED with an empty window everywhere, and waits until every node sees it. */
  abstract void reset();

  /**
   * One PUBLISH from node 0 to a probe channel every node's client listens on, under whatever
   * load runs now: the raw fan-out this fleet's clients see, in ms; NaN for a design without
   * Redis clients.
   */
  double fanoutProbe() {
    return Double.NaN;
  }

  /** Releases clients and threads. */
  @Override
  public abstract void close();

  /** A fleet of Resilience4j {@link CircuitBreaker}s, one per node: what the shared and independent designs have in common. */
  abstract static class BreakerFleet extends Fleets {
    final List<CircuitBreaker> breakers = new ArrayList<>();

    /** Adds node {@code breakers.size()}'s breaker, reporting when it opens. */
    void add(CircuitBreaker breaker) {
      int node = breakers.size();
      breaker.getEventPublisher().onStateTransition(e -> {
        if (e.getStateTransition().getToState() == State.OPEN) {
          opened(node);
        }
      });
      breakers.add(breaker);
    }

    @Override
    int size() {
      return breakers.size();
    }

    @Override
    boolean tryAcquire(int node) {
      return breakers.get(node).tryAcquirePermission();
    }

    @Override
    void record(int node, boolean failure, long durationNanos) {
      if (failure) {
        breakers.get(node).onError(durationNanos, TimeUnit.NANOSECONDS, FAILURE);
      } else {
        breakers.get(node).onSuccess(durationNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** r4j-redis: a registry and a RedissonClient per node, one shared netty event loop group. */
  static final class Shared extends BreakerFleet {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<RedissonClient> clients = new ArrayList<>();
    private final List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    private final String probeChannel;
    /** The probe: a script that publishes, as the flush that opens a breaker does. */
    private static final String PROBE_SCRIPT = "return redis.call('PUBLISH', KEYS[1], ARGV[1])";
    private @Nullable String probeSha;
    private final AtomicLong lastProbeArrival = new AtomicLong();
    private volatile CountDownLatch probeLatch = new CountDownLatch(0);

    Shared(RedisServer redis, int nodes, CircuitBreakerConfig config, Duration syncInterval, String prefix) {
      probeChannel = prefix + ":probe";
      for (int i = 0; i < nodes; i++) {
        RedissonClient client = Clients.redisson(redis, group);
        clients.add(client);
        client.getTopic(probeChannel, StringCodec.INSTANCE).addListener(String.class, (c, m) -> {
          lastProbeArrival.accumulateAndGet(System.nanoTime(), Math::max);
          probeLatch.countDown();
        });
        RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(config)
            .keyPrefix(prefix)
            .nodeId("sim-" + i)
            .syncInterval(syncInterval)
            .meterRegistry(meters)
            .build();
        registries.add(registry);
        add(registry.circuitBreaker("dependency"));
      }
      await(() -> breakers.stream().allMatch(b -> ((RedisCircuitBreaker) b).stateVersion() > 0));
    }

    @Override
    Design design() {
      return Design.SHARED;
    }

    @Override
    void reset() {
      registries.get(0).reset("dependency");
      try {
        await(() -> breakers.stream().allMatch(Shared::isReset));
      } catch (IllegalStateException e) {
        StringBuilder stuck = new StringBuilder();
        for (int i = 0; i < breakers.size(); i++) {
          RedisCircuitBreaker b = (RedisCircuitBreaker) breakers.get(i);
          if (!isReset(b)) {
            stuck.append(String.format(Locale.ROOT, " node %d: %s (shared %s v%d, %s), %d buffered;", i, b.getState(),
                b.sharedState(), b.stateVersion(), b.syncMode(), b.getMetrics().getNumberOfBufferedCalls()));
          }
        }
        throw new IllegalStateException("reset did not reach every node:" + stuck, e);
      }
    }

    private static boolean isReset(CircuitBreaker breaker) {
      return breaker.getState() == State.CLOSED && breaker.getMetrics().getNumberOfBufferedCalls() == 0;
    }

    @Override
    double fanoutProbe() {
      probeLatch = new CountDownLatch(clients.size());
      lastProbeArrival.set(0);
      RScript script = clients.get(0).getScript(StringCodec.INSTANCE);
      if (probeSha == null) {
        probeSha = script.scriptLoad(PROBE_SCRIPT); // not timed: a round trip the flush never pays
      }
      long sent = System.nanoTime();
      script.evalSha(RScript.Mode.READ_WRITE, probeSha, RScript.ReturnType.LONG, List.of(probeChannel), "probe");
      try {
        if (!probeLatch.await(2, TimeUnit.SECONDS)) {
          return Double.NaN;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Double.NaN;
      }
      return (lastProbeArrival.get() - sent) / 1e6;
    }

    /** Mean and maximum pipeline round trip over every node, in ms. */
    String roundTrips() {
      double mean = meters.find(StateMeters.SYNC_ROUND_TRIP.getName()).timers().stream()
          .mapToDouble(t -> t.mean(TimeUnit.MILLISECONDS)).average().orElse(Double.NaN);
      double max = meters.find(StateMeters.SYNC_ROUND_TRIP.getName()).timers().stream()
          .mapToDouble(t -> t.max(TimeUnit.MILLISECONDS)).max().orElse(Double.NaN);
      return String.format(Locale.ROOT, "sync round trip mean %.2f ms, max %.1f ms", mean, max);
    }

    @Override
    public void close() {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** N plain Resilience4j breakers: what a fleet has today. */
  static final class Independent extends BreakerFleet {

    Independent(int nodes, CircuitBreakerConfig config) {
      for (int i = 0; i < nodes; i++) {
        add(CircuitBreaker.of("dependency-" + i, config));
      }
    }

    @Override
    Design design() {
      return Design.INDEPENDENT;
    }

    @Override
    void reset() {
      breakers.forEach(CircuitBreaker::reset);
    }

    @Override
    public void close() {
      // nothing to release
    }
  }

  /** N clients of the naive shared breaker. It pushes nothing: a node learns at its next call. */
  static final class Naive extends Fleets {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<RedissonClient> clients = new ArrayList<>();
    private final List<NaiveRedisBreaker> breakers = new ArrayList<>();
    private final boolean[] rejecting;

    Naive(RedisServer redis, int nodes, CircuitBreakerConfig config, String prefix) {
      for (int i = 0; i < nodes; i++) {
        RedissonClient client = Clients.redisson(redis, group);
        clients.add(client);
        breakers.add(new NaiveRedisBreaker(client, prefix + "-dependency", config));
      }
      rejecting = new boolean[nodes];
    }

    @Override
    Design design() {
      return Design.NAIVE;
    }

    @Override
    int size() {
      return breakers.size();
    }

    @Override
    boolean tryAcquire(int node) {
      boolean permitted = breakers.get(node).tryAcquirePermission();
      if (!permitted && !rejecting[node]) {
        rejecting[node] = true;
        opened(node);
      } else if (permitted) {
        rejecting[node] = false;
      }
      return permitted;
    }

    @Override
    void record(int node, boolean failure, long durationNanos) {
      breakers.get(node).record(failure);
    }

    @Override
    void reset() {
      breakers.get(0).reset();
      java.util.Arrays.fill(rejecting, false);
    }

    @Override
    public void close() {
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static final RuntimeException FAILURE = new RuntimeException("dependency failed", null, false, false) {
    private static final long serialVersionUID = 1L;
  };

  /** Polls a condition of the fleet (no event to wait on) for up to 30 s. */
  static void await(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the fleet did not settle within 30 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
