package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisSentinel;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A fleet on Redis Sentinel (1 master, 1 replica, 3 sentinels) under load while the master is
 * SIGKILLed: the breakers never throw, the fleet follows the promoted replica, and a transition
 * made after the failover reaches every node (subscriptions restored, scripts reloaded).
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
        Config config = new Config();
        config.useSentinelServers()
            .setMasterName(sentinel.masterName())
            .setCheckSentinelsList(false)
            .setTimeout(1000)
            .setRetryAttempts(1)
            .setSentinelAddresses(sentinel.sentinelAddresses());
        config.setNettyThreads(2);
        RedissonClient client = Redisson.create(config);
        clients.add(client);
        registries.add(RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build())
            .withKeyPrefix(prefix)
            .withNodeId("node-" + i)
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
}
