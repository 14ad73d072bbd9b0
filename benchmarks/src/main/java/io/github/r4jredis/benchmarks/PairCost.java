package io.github.r4jredis.benchmarks;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

/**
 * What Redis spends on each node-breaker pair of a healthy fleet: N nodes (one registry and
 * Redisson client each, one JVM) with B breakers each, every pair called {@code rate} times a
 * second with fast successes; Redis CPU (INFO cpu) and every command Redis ran (INFO
 * commandstats, the scripts' inner commands included), per pair and second.
 */
final class PairCost {

  /**
   * @param nodes nodes
   * @param breakers breakers per node
   * @param maxFlushDelay the registries' maxFlushDelay
   * @param callsPerSecond calls the fleet made per second
   * @param cpuMicrosPerPair Redis CPU per pair and second (µs)
   * @param commandsPerPair Redis commands per pair and second, inner ones included
   * @param scriptsPerPair script calls per pair and second
   * @param commandsByName each command's calls per pair and second, most frequent first
   */
  record Result(int nodes, int breakers, Duration maxFlushDelay, double callsPerSecond,
      double cpuMicrosPerPair, double commandsPerPair, double scriptsPerPair, Map<String, Double> commandsByName) {

    int pairs() {
      return nodes * breakers;
    }
  }

  private PairCost() {}

  static Result measure(RedisServer redis, int nodes, int breakers, int ratePerPair, Duration maxFlushDelay,
      Duration warmup, Duration run) throws InterruptedException {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(100, 20, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .build();
    String prefix = "pair-" + System.nanoTime() % 100000;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    List<CircuitBreaker> all = new ArrayList<>();
    RedissonClient admin = Clients.redisson(redis, null);
    ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
    try {
      for (int n = 0; n < nodes; n++) {
        RedissonClient client = Clients.redisson(redis, group);
        clients.add(client);
        RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(config)
            .keyPrefix(prefix)
            .nodeId("node-" + n)
            .maxFlushDelay(maxFlushDelay)
            .meterRegistry(new SimpleMeterRegistry())
            .build();
        registries.add(registry);
        for (int b = 0; b < breakers; b++) {
          all.add(registry.circuitBreaker("dep-" + b));
        }
      }
      AtomicLong calls = new AtomicLong();
      long periodMicros = 1_000_000L / ratePerPair;
      int slices = 2;
      for (int s = 0; s < slices; s++) {
        List<CircuitBreaker> slice = all.subList(s * all.size() / slices, (s + 1) * all.size() / slices);
        load.scheduleAtFixedRate(() -> {
          for (CircuitBreaker breaker : slice) {
            if (breaker.tryAcquirePermission()) {
              breaker.onSuccess(2, TimeUnit.MILLISECONDS);
            }
          }
          calls.addAndGet(slice.size());
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
      }
      Thread.sleep(warmup.toMillis());
      Map<String, String> cpu0 = info(admin, RedisNode.InfoSection.CPU);
      Map<String, String> cmd0 = info(admin, RedisNode.InfoSection.COMMANDSTATS);
      long calls0 = calls.get();
      long t0 = System.nanoTime();
      Thread.sleep(run.toMillis());
      Map<String, String> cpu1 = info(admin, RedisNode.InfoSection.CPU);
      Map<String, String> cmd1 = info(admin, RedisNode.InfoSection.COMMANDSTATS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double pairs = (double) nodes * breakers;
      double cpu = cpuSeconds(cpu1) - cpuSeconds(cpu0);
      long commands = commands(cmd1, null) - commands(cmd0, null);
      long scripts = commands(cmd1, "cmdstat_evalsha") - commands(cmd0, "cmdstat_evalsha");
      Map<String, Double> byName = new LinkedHashMap<>();
      cmd1.keySet().stream()
          .map(name -> Map.entry(name.replace("cmdstat_", ""), commands(cmd1, name) - commands(cmd0, name)))
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(e -> byName.put(e.getKey(), e.getValue() / seconds / pairs));
      return new Result(nodes, breakers, maxFlushDelay, (calls.get() - calls0) / seconds,
          cpu * 1e6 / seconds / pairs, commands / seconds / pairs, scripts / seconds / pairs, byName);
    } finally {
      load.shutdownNow();
      load.awaitTermination(5, TimeUnit.SECONDS);
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      admin.shutdown();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
  }

  private static Map<String, String> info(RedissonClient client, RedisNode.InfoSection section) {
    return client.getRedisNodes(RedisNodes.SINGLE).getInstance().info(section);
  }

  private static double cpuSeconds(Map<String, String> cpu) {
    return Double.parseDouble(cpu.get("used_cpu_sys")) + Double.parseDouble(cpu.get("used_cpu_user"));
  }

  /** Calls of every command (or of {@code only}), the commands scripts ran inside Redis included. */
  private static long commands(Map<String, String> stats, String only) {
    long total = 0;
    for (Map.Entry<String, String> entry : stats.entrySet()) {
      if (only != null && !entry.getKey().equals(only)) {
        continue;
      }
      for (String part : entry.getValue().split(",")) {
        if (part.startsWith("calls=")) {
          total += Long.parseLong(part.substring("calls=".length()));
        }
      }
    }
    return total;
  }

  /** Quick run: {@code nodes breakers rate seconds}, each at maxFlushDelay 0 and the default. */
  public static void main(String[] args) throws InterruptedException {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int breakers = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    try (RedisServer redis = RedisServer.fromEnvironment()) {
      for (Duration delay : List.of(Duration.ZERO, RedisCircuitBreakerRegistry.DEFAULT_MAX_FLUSH_DELAY)) {
        Result r = measure(redis, nodes, breakers, rate, delay, Duration.ofSeconds(8), Duration.ofSeconds(seconds));
        System.out.printf("%d pairs (%d x %d), maxFlushDelay %s: %.0f calls/s; Redis CPU %.1f us per pair per s"
            + " (%.3f s/s); %.2f commands and %.2f scripts per pair per s%n", r.pairs(), nodes, breakers, delay,
            r.callsPerSecond(), r.cpuMicrosPerPair(), r.cpuMicrosPerPair() * r.pairs() / 1e6, r.commandsPerPair(),
            r.scriptsPerPair());
        System.out.print("  per pair per s:");
        r.commandsByName().forEach((name, perPair) -> System.out.printf(" %s %.2f", name, perPair));
        System.out.println();
      }
    }
  }
}
