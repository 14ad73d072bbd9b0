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
class RedisSentinelIT {

  @Test
  void everySentinelReportsTheMasterAndTheirPeers(RedisSentinel sentinel) {
    assertThat(sentinel.masterName()).isEqualTo("mymaster");
    assertThat(sentinel.sentinels()).hasSize(3);
    for (RedisServer s : sentinel.sentinels()) {
      Map<String, String> master =
          Admin.call(s.host(), s.port(), null, Duration.ofSeconds(2), RedisCommands.SENTINEL_MASTER, "mymaster");
      assertThat(master)
          .containsEntry("port", Integer.toString(sentinel.master().port()))
          .containsEntry("num-slaves", "1")
          .containsEntry("num-other-sentinels", "2");
    }
    assertThat(sentinel.currentMaster().port()).isEqualTo(sentinel.master().port());
  }

  @Test
  void failoverPromotesTheReplicaAndRedissonFollows(RedisSentinel sentinel) {
    Config config = new Config();
    config.useSentinelServers()
        .setMasterName(sentinel.masterName())
        .setCheckSentinelsList(false)
        .setTimeout(1000)
        .setSentinelAddresses(sentinel.sentinelAddresses());
    config.setNettyThreads(2);
    RedissonClient client = Redisson.create(config);
    try {
      client.getBucket("before", StringCodec.INSTANCE).set("1");

      sentinel.failover();

      assertThat(sentinel.currentMaster().port()).isEqualTo(sentinel.replicas().get(0).port());
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
        client.getBucket("after", StringCodec.INSTANCE).set("2");
        assertThat(client.getBucket("before", StringCodec.INSTANCE).get()).isEqualTo("1");
      });
    } finally {
      client.shutdown();
    }
  }
}
