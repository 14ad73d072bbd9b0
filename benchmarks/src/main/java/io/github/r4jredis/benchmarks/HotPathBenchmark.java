package io.github.r4jredis.benchmarks;

import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.api.RedissonClient;

/**
 * Cost of one protected call of a no-op supplier: called directly; through a plain per-JVM
 * Resilience4j breaker (CLOSED and OPEN); through the fleet-shared breaker on a live Redis
 * (CLOSED and OPEN), also with an r4j-slo monitor bound; and through the naive shared breaker
 * that asks Redis on every call.
 * The OPEN cases reject with stack traces disabled ({@code writableStackTraceEnabled(false)}),
 * as a latency-minded user configures it.
 *
 * <p>Run (one and two threads, with allocation):
 * {@code java -jar benchmarks/target/benchmarks.jar HotPathBenchmark -t 1 -prof gc} (and
 * {@code -t 2}); {@code benchmarks/run.sh} does both. Redis: {@code REDIS_URL}, else a
 * redis-server started by the test kit inside the benchmark JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {

  private static final Supplier<String> NO_OP = () -> "ok";

  private RedisServer redis;
  private RedissonClient redisson;
  private RedisCircuitBreakerRegistry registry;
  private NaiveRedisBreaker naive;
  private Supplier<String> plainClosed;
  private Supplier<String> plainOpen;
  private Supplier<String> sharedClosed;
  private Supplier<String> sharedOpen;
  private Supplier<String> sharedWithSlo;
  private SloMonitor slo;

  /** Starts Redis, the registry and every breaker; opens the OPEN ones. */
  @Setup(Level.Trial)
  public void setUp() {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom().writableStackTraceEnabled(false).build();
    plainClosed = CircuitBreaker.decorateSupplier(CircuitBreaker.of("plain-closed", config), NO_OP);
    CircuitBreaker plainOpenBreaker = CircuitBreaker.of("plain-open", config);
    plainOpenBreaker.transitionToOpenStateFor(Duration.ofDays(1));
    plainOpen = CircuitBreaker.decorateSupplier(plainOpenBreaker, NO_OP);

    redis = RedisServer.fromEnvironment();
    redisson = Clients.redisson(redis, null);
    registry = RedisCircuitBreakerRegistry.builder(redisson)
        .withCircuitBreakerConfig(config)
        .keyPrefix("bench-" + ProcessHandle.current().pid())
        .build();
    sharedClosed = CircuitBreaker.decorateSupplier(registry.circuitBreaker("shared-closed"), NO_OP);
    CircuitBreaker sharedOpenBreaker = registry.circuitBreaker("shared-open");
    sharedOpenBreaker.transitionToOpenStateFor(Duration.ofDays(1));
    sharedOpen = CircuitBreaker.decorateSupplier(sharedOpenBreaker, NO_OP);
    naive = new NaiveRedisBreaker(redisson, "naive-" + ProcessHandle.current().pid(), config);
    CircuitBreaker sloBreaker = registry.circuitBreaker("shared-slo");
    slo = SloMonitor.builder(redisson).keyPrefix("bench-" + ProcessHandle.current().pid()).build().bind(sloBreaker);
    sharedWithSlo = CircuitBreaker.decorateSupplier(sloBreaker, NO_OP);
  }

  /** Stops the registry, the client and a Redis the kit started. */
  @TearDown(Level.Trial)
  public void tearDown() {
    slo.close();
    registry.close();
    redisson.shutdown();
    redis.close();
  }

  /** The bare call: the floor every other figure is read against. */
  @Benchmark
  public String direct() {
    return NO_OP.get();
  }

  /**
   * A plain, per-JVM Resilience4j breaker in CLOSED. Three forks here and in {@link #sharedClosed}:
   * one fork's figure moves by up to a tenth from one JVM to the next (where the JIT lays out the
   * code), as much as the two differ, and their ratio is a target.
   */
  @Benchmark
  @Fork(3)
  public String plainResilience4j() {
    return plainClosed.get();
  }

  /** A plain Resilience4j breaker in OPEN: the rejection path. */
  @Benchmark
  public String plainResilience4jOpen() {
    return rejected(plainOpen);
  }

  /** The fleet-shared breaker in CLOSED, syncing with a live Redis in the background. */
  @Benchmark
  @Fork(3)
  public String sharedClosed() {
    return sharedClosed.get();
  }

  /**
   * The fleet-shared breaker in CLOSED with an r4j-slo monitor bound: it counts each call through
   * the breaker's call observer (no event object per call); flushes to Redis run in the background.
   */
  @Benchmark
  public String sharedClosedWithSlo() {
    return sharedWithSlo.get();
  }

  /** The fleet-shared breaker in OPEN: the rejection path. */
  @Benchmark
  public String sharedOpen() {
    return rejected(sharedOpen);
  }

  /** One Redis round trip per call to check the state, one more (not awaited) to record it. */
  @Benchmark
  public String naiveShared() {
    if (!naive.tryAcquirePermission()) {
      return "rejected";
    }
    String result = NO_OP.get();
    naive.record(false);
    return result;
  }

  private static String rejected(Supplier<String> supplier) {
    try {
      return supplier.get();
    } catch (CallNotPermittedException e) {
      return "rejected";
    }
  }
}
