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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

  private static CircuitBreakerConfig config() {
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
      System.out.printf("SIGKILL: all %d nodes LOCAL after %d ms%n", NODES, (System.nanoTime() - killed) / 1_000_000);

      load.dependencyDown.set(true); // while Redis is gone, each node's own machine protects it
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));

      redis.restart();
      long restarted = System.nanoTime();
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
      System.out.printf("restart: all %d nodes SHARED after %d ms%n", NODES, (System.nanoTime() - restarted) / 1_000_000);
      // The failures counted while Redis was away re-seed the fleet's window: it opens too.
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
      assertThat(load.breakerExceptions).isEmpty();
    }
  }

  @Test
  void pausedRedisSendsNodesLocalWithoutBlockingAndResumeRejoins(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config());
        Load load = new Load(fleet.breakers("payments"))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);

      redis.pause();
      try {
        await().atMost(LOCAL_WITHIN).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
        long before = load.reached.get();
        await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > before + 500); // calls keep flowing
      } finally {
        redis.resume();
      }

      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
      assertThat(load.breakerExceptions).isEmpty();
      assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.CLOSED));
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

      await().atMost(Fleet.AWAIT).until(() -> fleet.node(1).sharedBreaker("payments")
          .map(s -> s.state() == State.OPEN && s.version() > version).orElse(false));
      assertThat(seen).doesNotContain(State.CLOSED);
      assertThat(breakers).allSatisfy(b -> assertThat(b.tryAcquirePermission()).isFalse());
      assertThat(fleet.meters.get("r4jredis.state.repairs").counters()).isNotEmpty();
    }
  }

  @Test
  void forgedAndGarbageMessagesAreIgnored(RedisServer redis, @KeyPrefix String prefix) {
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

      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(fleet.meters.get("r4jredis.messages.rejected").tag("reason", "malformed").counters())
            .extracting(c -> c.count()).contains(3.0);
        assertThat(fleet.meters.get("r4jredis.messages.rejected").tag("reason", "forged").counters())
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
