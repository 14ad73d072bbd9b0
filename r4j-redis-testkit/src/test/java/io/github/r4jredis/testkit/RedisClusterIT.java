package io.github.r4jredis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.internal.Admin;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.config.Config;

@RedisTest
class RedisClusterIT {

  @Test
  void everyNodeReportsClusterStateOk(RedisCluster cluster) {
    assertThat(cluster.nodes()).hasSize(3);
    for (RedisServer node : cluster.nodes()) {
      Map<String, String> info =
          Admin.call(node.host(), node.port(), null, Duration.ofSeconds(2), RedisCommands.CLUSTER_INFO);
      assertThat(info)
          .containsEntry("cluster_state", "ok")
          .containsEntry("cluster_known_nodes", "3")
          .containsEntry("cluster_slots_assigned", "16384");
    }
  }

  @Test
  void redissonClusterClientWritesAcrossAllSlotsAndMultiKeyScriptsWorkWithHashTags(RedisCluster cluster) {
    Config config = new Config();
    config.useClusterServers().setTimeout(2000).setNodeAddresses(cluster.nodeAddresses());
    config.setNettyThreads(2);
    RedissonClient client = Redisson.create(config);
    try {
      for (int i = 0; i < 50; i++) {
        client.getBucket("key-" + i, StringCodec.INSTANCE).set(Integer.toString(i));
      }
      for (int i = 0; i < 50; i++) {
        assertThat(client.getBucket("key-" + i, StringCodec.INSTANCE).get()).isEqualTo(Integer.toString(i));
      }
      Long keys = client.getScript(StringCodec.INSTANCE).eval(
          "{b}:a",
          org.redisson.api.RScript.Mode.READ_WRITE,
          "redis.call('set', KEYS[1], '1'); redis.call('set', KEYS[2], '2'); return redis.call('exists', KEYS[1], KEYS[2])",
          org.redisson.api.RScript.ReturnType.LONG,
          java.util.List.of("{b}:a", "{b}:c"));
      assertThat(keys).isEqualTo(2L);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aKilledNodeCanBeRestartedAndRejoins(RedisCluster cluster) {
    RedisServer node = cluster.nodes().get(1);
    node.kill();
    node.restart();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Map<String, String> info =
          Admin.call(node.host(), node.port(), null, Duration.ofSeconds(2), RedisCommands.CLUSTER_INFO);
      assertThat(info).containsEntry("cluster_state", "ok").containsEntry("cluster_known_nodes", "3");
    });
  }
}
