package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** Redis killed, paused, restarted empty, lied to: the breaker layer never throws and recovers. */
@Tag("fault")
@RedisTest
class RedisFaultIT {

  private static final int NODES = 3;
  private static final Duration LOCAL_WITHIN = Duration.ofSeconds(1);

  /** COUNT_BASED 50, 50 % threshold, 30 s in OPEN: the fault tests' breaker. */
  static CircuitBreakerConfig config() {
    return CircuitBreakerConfig.custom()
        .slidingWindow(50, 50, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void killedRedisSendsEveryNodeLocalWithoutAnExceptionAndRestartBringsThemBack(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config());
        Load load = new Load(fleet.breakers("payments"))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);

      redis.kill();
      long killed = System.nanoTime();
      await().atMost(LOCAL_WITHIN).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
      long localMillis = (System.nanoTime() - killed) / 1_000_000;

      load.dependencyDown.set(true); // while Redis is gone, each node's own machine protects it
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));

      redis.restart();
      long restarted = System.nanoTime();
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
      long sharedMillis = (System.nanoTime() - restarted) / 1_000_000;
      // The failures counted while Redis was away re-seed the fleet's window: it opens too.
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
      assertThat(load.breakerExceptions).isEmpty();
      System.out.printf("FIGURE SIGKILL: all %d nodes LOCAL %d ms after the kill; meanwhile each node's own breaker"
          + " opened on its own failures; all SHARED %d ms after the restart, the shared state re-seeded OPEN"
          + " from what the nodes knew; 0 breaker exceptions in %d calls%n",
          NODES, localMillis, sharedMillis, load.reached.get() + load.rejected.get());
    }
  }

  @Test
  void pausedRedisSendsNodesLocalWithoutBlockingAndResumeRejoins(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) throws InterruptedException {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config());
        Load load = new Load(fleet.breakers("payments"))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);

      int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
      int threadsMax = threadsBefore;
      load.startRecording();
      redis.pause();
      long paused = System.nanoTime();
      long localMillis;
      long callsBefore = load.reached.get() + load.rejected.get();
      try {
        await().atMost(LOCAL_WITHIN).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
        localMillis = (System.nanoTime() - paused) / 1_000_000;
        while (System.nanoTime() - paused < TimeUnit.SECONDS.toNanos(5)) { // SIGSTOP for 5 s
          threadsMax = Math.max(threadsMax, ManagementFactory.getThreadMXBean().getThreadCount());
          TimeUnit.MILLISECONDS.sleep(50);
        }
      } finally {
        redis.resume();
      }
      long[] latencies = load.stopRecording();
      long callsDuring = load.reached.get() + load.rejected.get() - callsBefore;
      long resumed = System.nanoTime();

      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
      long sharedMillis = (System.nanoTime() - resumed) / 1_000_000;
      assertThat(load.breakerExceptions).isEmpty();
      assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.CLOSED));
      assertThat(callsDuring).isGreaterThan(1_000); // calls kept flowing through the pause
      // No call waited for the frozen Redis (it would have waited seconds); threads stay bounded.
      assertThat(latencies[latencies.length - 1]).isLessThan(TimeUnit.SECONDS.toNanos(1));
      assertThat(threadsMax).isLessThanOrEqualTo(threadsBefore + 5);
      System.out.printf(java.util.Locale.ROOT, "FIGURE SIGSTOP 5 s: all %d nodes LOCAL after %d ms; %d calls during the"
          + " pause, time in the breaker layer p50 %.1f us, p99 %.1f us, max %.1f us; threads %d before, at most %d"
          + " during; all SHARED %d ms after SIGCONT; 0 breaker exceptions%n",
          NODES, localMillis, callsDuring, Load.micros(latencies, 0.50), Load.micros(latencies, 0.99),
          latencies[latencies.length - 1] / 1000.0, threadsBefore, threadsMax, sharedMillis);
    }
  }

  @Test
  void redisRestartedEmptyIsReseededWithTheOpenStateTheFleetKnew(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      breakers.get(0).transitionToOpenStateFor(Duration.ofMinutes(5));
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));
      long version = breakers.get(0).stateVersion();
      List<State> seen = new CopyOnWriteArrayList<>();
      breakers.forEach(b -> b.getEventPublisher().onStateTransition(e -> seen.add(e.getStateTransition().getToState())));

      redis.restartEmpty();
      long restarted = System.nanoTime();

      await().atMost(Fleet.AWAIT).until(() -> fleet.node(1).sharedBreaker("payments")
          .map(s -> s.state() == State.OPEN && s.version() > version).orElse(false));
      long reseededMillis = (System.nanoTime() - restarted) / 1_000_000;
      assertThat(seen).doesNotContain(State.CLOSED);
      assertThat(breakers).allSatisfy(b -> assertThat(b.tryAcquirePermission()).isFalse());
      assertThat(fleet.meters.get("r4jredis.state.repairs").counters()).isNotEmpty();
      System.out.printf("FIGURE restarted empty: the OPEN breaker (version %d) re-seeded OPEN in Redis %d ms after"
          + " the restart (version %d); no node published a transition to CLOSED; every node still rejects%n",
          version, reseededMillis, fleet.node(1).sharedBreaker("payments").orElseThrow().version());
    }
  }

  @Test
  void forgedReplayedAndGarbageMessagesAreIgnored(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      long version = breakers.get(0).stateVersion();
      RedissonClient attacker = fleet.clients.get(0);
      RTopic channel = attacker.getTopic(prefix + ":events", StringCodec.INSTANCE);

      channel.publish("garbage");
      channel.publish("r4j1|payments|not-a-number|OPEN|CLOSED|0|0||0|0|");
      channel.publish("r4j1|pay}ments|9|OPEN|CLOSED|0|0||0|0|");
      channel.publish("r4j1|payments|" + (version + 1000) + "|FORCED_OPEN|CLOSED|0|0||0|0|");
      channel.publish("r4j1|payments|" + (version - 1) + "|OPEN|CLOSED|0|0||0|0|"); // a replayed old one

      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(fleet.meters.get("r4jredis.state.messages.rejected").tag("reason", "malformed").counters())
            .extracting(c -> c.count()).contains(3.0);
        assertThat(fleet.meters.get("r4jredis.state.messages.rejected").tag("reason", "forged").counters())
            .extracting(c -> c.count()).contains(1.0);
        assertThat(fleet.meters.get("r4jredis.state.messages.rejected").tag("reason", "stale").counters())
            .extracting(c -> c.count()).contains(1.0);
      });
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breakers).allSatisfy(b -> {
        assertThat(b.stateVersion()).isEqualTo(version);
        assertThat(b.getState()).isEqualTo(State.CLOSED);
      }));
    }
  }

  @Test
  void redisDownWhenTheRegistryIsBuiltMeansLocalThenShared(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    redis.kill();
    try (Fleet fleet = new Fleet(redis, 1, prefix, config())) {
      RedisCircuitBreaker breaker = fleet.breaker(0, "payments");
      assertThat(breaker.tryAcquirePermission()).isTrue();
      await().atMost(LOCAL_WITHIN).until(() -> breaker.syncMode() == SyncMode.LOCAL);

      redis.restart();

      await().atMost(Fleet.AWAIT).until(() -> breaker.syncMode() == SyncMode.SHARED && breaker.stateVersion() > 0);
    }
  }
}
