package io.github.r4jredis.benchmarks;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.StateMeters;
import io.github.r4jredis.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RedissonClient;

/**
 * What a registry of breakers nobody calls costs its sync thread: one registry with N breakers,
 * seeded, then never called, at the default settings. Measured twice in one run: while the
 * breakers are idle but still visited every tick (the first three reconcile intervals, as every
 * idle breaker was before they went cold), and once all of them are cold.
 */
final class IdleRegistry {

  /**
   * @param breakers how many
   * @param hotPercent sync-thread CPU, % of one core, idle breakers visited every tick
   * @param coldPercent the same once all are cold
   * @param coldAfterSeconds from the last breaker seeded until all were cold
   */
  record Result(int breakers, double hotPercent, double coldPercent, double coldAfterSeconds) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,d idle breakers: sync thread %.1f %% of a core visited every tick,"
          + " %.1f %% once cold (all cold %.0f s after seeding)", breakers, hotPercent, coldPercent, coldAfterSeconds);
    }
  }

  private IdleRegistry() {}

  static Result measure(RedisServer redis, int breakers) throws InterruptedException {
    String prefix = "idle-" + System.nanoTime() % 100000;
    RedissonClient client = Clients.redisson(redis, null);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
        .keyPrefix(prefix)
        .maxCircuitBreakers(breakers)
        .meterRegistry(meters)
        .build()) {
      List<RedisCircuitBreaker> all = new ArrayList<>(breakers);
      for (int i = 0; i < breakers; i++) {
        all.add((RedisCircuitBreaker) registry.circuitBreaker("idle-" + i));
      }
      await(() -> all.stream().allMatch(b -> b.stateVersion() > 0), Duration.ofMinutes(3), "seeding");
      long seeded = System.nanoTime();
      long sync = syncThread("r4j-redis-sync-" + prefix);
      double hot = cpuPercent(sync, Duration.ofSeconds(5));
      await(() -> meters.get(StateMeters.SYNC_BREAKERS.getName()).tag("round", "cold").gauge().value() == breakers,
          Duration.ofMinutes(2), "all cold");
      double coldAfter = (System.nanoTime() - seeded) / 1e9;
      double cold = cpuPercent(sync, Duration.ofSeconds(10));
      return new Result(breakers, hot, cold, coldAfter);
    } finally {
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  private static long syncThread(String name) {
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      if (info.getThreadName().equals(name)) {
        return info.getThreadId();
      }
    }
    throw new IllegalStateException("no thread " + name);
  }

  private static double cpuPercent(long thread, Duration over) throws InterruptedException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu0 = mx.getThreadCpuTime(thread);
    long t0 = System.nanoTime();
    Thread.sleep(over.toMillis());
    return 100.0 * (mx.getThreadCpuTime(thread) - cpu0) / (System.nanoTime() - t0);
  }

  private static void await(java.util.function.BooleanSupplier condition, Duration atMost, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " did not finish within " + atMost);
      }
      Thread.sleep(200);
    }
  }
}
