package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.state.internal.SyncEngine;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.slf4j.LoggerFactory;

/**
 * A 3-master Redis Cluster under load: the master serving the fleet's channel is SIGKILLed and
 * restarted. The breakers never throw, every node resubscribes, and a transition made after the
 * restart reaches every node.
 */
@Tag("fault")
@RedisTest
class ClusterRestartIT {

  private static final int NODES = 3;

  /** The index of the master serving {@code slot}: the test kit spreads slots evenly, in order. */
  static int master(RedisCluster cluster, int slot) {
    int count = cluster.nodes().size();
    int index = 0;
    while (index + 1 < count && (index + 1) * 16384 / count <= slot) {
      index++;
    }
    return index;
  }

  /** Starts a node per client of the cluster, each with a registry customised by {@code customizer}. */
  static void start(RedisCluster cluster, String prefix, List<RedissonClient> clients,
      List<RedisCircuitBreakerRegistry> registries, Consumer<RedisCircuitBreakerRegistry.Builder> customizer) {
    for (int i = 0; i < NODES; i++) {
      Config config = new Config();
      config.useClusterServers().setNodeAddresses(cluster.nodeAddresses());
      config.useClusterServers().setTimeout(1000).setRetryAttempts(1);
      config.setNettyThreads(2);
      RedissonClient client = Redisson.create(config);
      clients.add(client);
      RedisCircuitBreakerRegistry.Builder builder = RedisCircuitBreakerRegistry.builder(client)
          .withCircuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build())
          .keyPrefix(prefix).nodeId("node-" + i);
      customizer.accept(builder);
      registries.add(builder.build());
    }
  }

  @Test
  void theChannelsMasterKilledAndRestartedLeavesEveryNodeSubscribed(RedisCluster cluster, @KeyPrefix String prefix) {
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    try {
      start(cluster, prefix, clients, registries, b -> { });
      // A breaker whose keys live on the master that also serves the channel: killing it takes both.
      int masterIndex = master(cluster, clients.get(0).getKeys().getSlot(prefix + ":events"));
      String name = "payments";
      for (int i = 0; master(cluster, clients.get(0).getKeys().getSlot(prefix + ":{" + name + "}:state")) != masterIndex; i++) {
        name = "payments-" + i;
      }
      String breakerName = name;
      RedisServer channelMaster = cluster.nodes().get(masterIndex);
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker(breakerName)).toList();
      FleetIT.awaitSeeded(breakers);
      try (Load load = new Load(breakers)) {
        await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);

        channelMaster.kill();
        long killed = System.nanoTime();
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
        long localMillis = (System.nanoTime() - killed) / 1_000_000;
        channelMaster.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
        long sharedMillis = (System.nanoTime() - restarted) / 1_000_000;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          breakers.get(0).transitionToForcedOpenState(); // retried until the cluster serves the slot again
          return breakers.stream().allMatch(b -> b.getState() == State.FORCED_OPEN);
        });
        long followedMillis = (System.nanoTime() - killed) / 1_000_000;

        assertThat(load.breakerExceptions).isEmpty();
        System.out.printf("FIGURE cluster: the master of the breaker's and the channel's slots SIGKILLed: all %d"
            + " nodes LOCAL after %d ms; restarted: all SHARED %d ms later; a transition then reached every node"
            + " (resubscribed) %d ms after the kill; 0 breaker exceptions in %d calls%n",
            NODES, localMillis, sharedMillis, followedMillis, load.reached.get() + load.rejected.get());
      }
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }

  /**
   * Another master (serving neither the breaker nor the channel) SIGKILLed: once the cluster
   * counts it failed, the surviving masters answer CLUSTERDOWN for every key (full coverage is
   * required by default). The fleet's nodes treat that as Redis down, decide locally, and rejoin
   * when the master is back.
   */
  @Test
  void aClusterThatIsDownForAnotherMastersSlotsIsAsGoodAsDown(RedisCluster cluster, @KeyPrefix String prefix) {
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger engineLogger = (Logger) LoggerFactory.getLogger(SyncEngine.class);
    engineLogger.addAppender(logs);
    try {
      // Every pipeline then carries the breaker's flush, to its slot: what the survivors answer.
      // (Held successes would leave reads and the heartbeat, whose key may live on the dead
      // master: no answer, as good as down too.)
      start(cluster, prefix, clients, registries, b -> b.maxFlushDelay(Duration.ZERO));
      int channelMaster = master(cluster, clients.get(0).getKeys().getSlot(prefix + ":events"));
      String name = "payments";
      for (int i = 0; master(cluster, clients.get(0).getKeys().getSlot(prefix + ":{" + name + "}:state")) != channelMaster; i++) {
        name = "payments-" + i;
      }
      String breakerName = name;
      RedisServer other = cluster.nodes().get((channelMaster + 1) % cluster.nodes().size());
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker(breakerName)).toList();
      FleetIT.awaitSeeded(breakers);
      try (Load load = new Load(breakers)) {
        await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);
        synchronized (logs) {
          logs.list.clear();
        }

        other.kill();
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
        long localMillis = (System.nanoTime() - killed) / 1_000_000;
        List<String> lines;
        synchronized (logs) {
          lines = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
              .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(prefix)).toList();
        }
        other.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
        long sharedMillis = (System.nanoTime() - restarted) / 1_000_000;

        assertThat(load.breakerExceptions).isEmpty();
        assertThat(lines).hasSize(NODES).allSatisfy(line -> assertThat(line).contains("CLUSTERDOWN"));
        System.out.printf("FIGURE cluster: another master SIGKILLed, the survivors answering CLUSTERDOWN: all %d nodes"
            + " LOCAL %d ms after the kill (the cluster's node timeout is 2 s); the master restarted: all SHARED %d ms"
            + " later; 0 breaker exceptions in %d calls%n",
            NODES, localMillis, sharedMillis, load.reached.get() + load.rejected.get());
      }
    } finally {
      engineLogger.detachAppender(logs);
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }
}
