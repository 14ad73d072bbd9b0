package io.github.r4jredis.benchmarks;

import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/** Redis commands a fleet issues under healthy traffic, per node and per protected call. */
final class CommandRate {

  /**
   * @param achievedRate calls per second the fleet actually made (the naive design cannot keep up)
   * @param commandsPerNodePerSecond Redis commands per second per node
   * @param commandsPerCall Redis commands per protected call
   */
  record Result(Fleets.Design design, int nodes, double targetRate, double achievedRate,
      double commandsPerNodePerSecond, double commandsPerCall) {}

  private CommandRate() {}

  /**
   * Client commands per call of one node calling as fast as one thread can (the JMH setting):
   * what the hot path costs Redis, amortised.
   *
   * @return commands per call and the calls made
   */
  static double[] hotPath(RedisServer redis, CircuitBreakerConfig config, Duration syncInterval) {
    RedissonClient client = Clients.redisson(redis, null);
    try (Fleets fleet = Fleets.create(Fleets.Design.SHARED, redis, 1, config, syncInterval,
        "hot-" + System.nanoTime() % 100000)) {
      RedisStats stats = new RedisStats(client);
      long before = stats.commands();
      long calls = 0;
      long end = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < end) {
        for (int i = 0; i < 1000; i++) {
          if (fleet.tryAcquire(0)) {
            fleet.record(0, false, 1000);
          }
        }
        calls += 1000;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(syncInterval.toNanos() * 3); // the last flush
      return new double[] {(stats.commands() - before) / (double) calls, calls};
    } finally {
      client.shutdown();
    }
  }

  static Result measure(RedisServer redis, Fleets.Design design, int nodes, double rate,
      CircuitBreakerConfig config, Duration syncInterval) {
    RedissonClient client = Clients.redisson(redis, null);
    try (Fleets fleet = Fleets.create(design, redis, nodes, config, syncInterval,
        "cmd-" + design.id() + "-" + System.nanoTime() % 100000)) {
      Scenario.run(fleet, Dependency.healthy(), new Scenario.Settings(rate, 3000, false, 1, 1));
      RedisStats stats = new RedisStats(client);
      long before = stats.commands();
      long seconds = 5;
      Scenario.Result result = Scenario.run(fleet, Dependency.healthy(),
          new Scenario.Settings(rate, seconds * 1000, false, 1, 1));
      long commands = stats.commands() - before;
      double achieved = result.calls() / (double) seconds;
      return new Result(design, nodes, rate, achieved, commands / (double) seconds / nodes,
          commands / (double) result.calls());
    } finally {
      client.shutdown();
    }
  }
}
