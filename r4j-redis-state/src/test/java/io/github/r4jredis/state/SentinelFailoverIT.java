package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisSentinel;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A fleet on Redis Sentinel (1 master, 1 replica, 3 sentinels) under load while the master is
 * SIGKILLed: the breakers never throw, the fleet follows the promoted replica, and a transition
 * made after the failover reaches every node (subscriptions restored, scripts reloaded); and a
 * failover to a replica whose clock is off by 30 s either way neither ends an OPEN deadline early
 * nor makes it wait for the jump.
 */
@Tag("fault")
@RedisTest
class SentinelFailoverIT {

  private static final int NODES = 3;

  @Test
  void theFleetFollowsTheNewMasterAfterTheOldOneIsKilled(RedisSentinel sentinel, @KeyPrefix String prefix) {
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    try {
      for (int i = 0; i < NODES; i++) {
        RedissonClient client = client(sentinel);
        clients.add(client);
        registries.add(RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build())
            .keyPrefix(prefix)
            .nodeId("node-" + i)
            .build());
      }
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker("payments")).toList();
      FleetIT.awaitSeeded(breakers);
      try (Load load = new Load(breakers)) {
        await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);
        int oldMaster = sentinel.currentMaster().port();

        sentinel.master().kill();
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> sentinel.currentMaster().port() != oldMaster);
        long promotedMillis = (System.nanoTime() - killed) / 1_000_000;
        await().atMost(Duration.ofSeconds(30))
            .until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
        // A transition made now travels through the new master's scripts and pub/sub.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          breakers.get(0).transitionToForcedOpenState();
          return breakers.get(0).stateVersion() > 0 && registries.get(1).sharedBreaker("payments")
              .map(s -> s.state() == State.FORCED_OPEN).orElse(false);
        });
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.FORCED_OPEN));
        long followedMillis = (System.nanoTime() - killed) / 1_000_000;

        assertThat(load.breakerExceptions).isEmpty();
        System.out.printf("FIGURE sentinel failover: master SIGKILLed, replica promoted after %d ms; a transition"
            + " made on the new master reached all %d nodes %d ms after the kill; 0 breaker exceptions in %d calls%n",
            promotedMillis, NODES, followedMillis, load.reached.get() + load.rejected.get());
      }
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }

  private static RedissonClient client(RedisSentinel sentinel) {
    Config config = new Config();
    config.useSentinelServers()
        .setMasterName(sentinel.masterName())
        .setCheckSentinelsList(false)
        .setTimeout(1000)
        .setRetryAttempts(1)
        .setSentinelAddresses(sentinel.sentinelAddresses());
    config.setNettyThreads(2);
    return Redisson.create(config);
  }

  /**
   * The fleet is OPEN for 10 s when its master is killed and Sentinel promotes a replica whose
   * clock is 30 s ahead (or behind); the dependency has recovered meanwhile. By Redis TIME alone
   * the deadline would end at the failover (or 30 s late): the nodes saw TIME jump, so no call
   * reaches the dependency before the fleet's 10 s are over, and the fleet closes soon after.
   */
  @ParameterizedTest
  @ValueSource(longs = {30_000, -30_000})
  void aFailoverToAServerWhoseClockIsOffMovesNoDeadline(long skewMillis, @KeyPrefix String prefix) {
    assumeTrue(RedisServer.canShiftClocks(), "a server with a clock offset needs Linux and a C compiler (cc)");
    long waitMillis = 10_000;
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMillis(waitMillis))
        .build();
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    List<SimpleMeterRegistry> meters = new ArrayList<>();
    try (RedisSentinel sentinel = RedisSentinel.builder().replicaClockOffset(Duration.ofMillis(skewMillis)).start()) {
      for (int i = 0; i < NODES; i++) {
        RedissonClient client = client(sentinel);
        clients.add(client);
        meters.add(new SimpleMeterRegistry());
        registries.add(RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(config)
            .keyPrefix(prefix)
            .nodeId("node-" + i)
            .meterRegistry(meters.get(i))
            .build());
      }
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker("payments")).toList();
      FleetIT.awaitSeeded(breakers);
      try (Load load = new Load(breakers)) {
        load.dependencyDown.set(true);
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
        long opened = System.nanoTime(); // at most one sync after the fleet opened
        load.dependencyDown.set(false);
        load.watchFirstReach();
        int oldMaster = sentinel.currentMaster().port();
        sentinel.master().kill();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> sentinel.currentMaster().port() != oldMaster);
        long promotedMillis = (System.nanoTime() - opened) / 1_000_000;
        await().atMost(Duration.ofSeconds(60)).until(() -> breakers.stream()
            .allMatch(b -> b.syncMode() == SyncMode.SHARED && b.sharedState() == State.CLOSED));
        long closedMillis = (System.nanoTime() - opened) / 1_000_000;
        long firstReachMillis = (load.firstReachedNanos.get() - opened) / 1_000_000;

        assertThat(load.breakerExceptions).isEmpty();
        assertThat(meters).as("the nodes saw Redis TIME jump").anySatisfy(m ->
            assertThat(m.get("r4jredis.state.redis.time.jumps").counter().count()).isPositive());
        // The fleet opened up to a sync before 'opened', and the scripts' margin is a second.
        assertThat(firstReachMillis).as("no call before the fleet's wait in OPEN is over")
            .isGreaterThanOrEqualTo(waitMillis - 1_500);
        assertThat(closedMillis).as("and none waited for the jump").isLessThan(waitMillis + 10_000);
        System.out.printf("FIGURE sentinel failover to a replica %+d s off: promoted %d ms after the fleet opened"
            + " (OPEN for %d ms); the first call reached the recovered dependency at %d ms, the fleet CLOSED at"
            + " %d ms; 0 breaker exceptions in %d calls%n", skewMillis / 1000, promotedMillis, waitMillis,
            firstReachMillis, closedMillis, load.reached.get() + load.rejected.get());
      }
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }
}
