package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisMaster;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * One pipeline, many calls: each call's reply or failure comes back on its own, in order, though
 * Redisson's batch as a whole "succeeds" when some (or all) of its commands failed.
 */
@RedisTest
class PipelineIT {

  private RedissonClient client;
  private KeySpace keys;
  private ExecutorService io;
  private Pipeline pipeline;

  @BeforeEach
  void connect(@Dedicated RedisServer redis, @KeyPrefix String prefix) throws Exception {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.address());
    client = Redisson.create(config);
    keys = KeySpace.of(prefix);
    io = Executors.newSingleThreadExecutor();
    pipeline = new Pipeline(client, keys, "n1", io, () -> 42L);
    pipeline.loadScripts().get(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    io.shutdown();
    client.shutdown();
  }

  private SyncEngine.Call seed(String name) {
    LuaScripts.ArgList args = LuaScripts.FLUSH.call().set(LuaScripts.Arg.CLOCK, "").set(LuaScripts.Arg.CHANNEL, keys.channel())
        .set(LuaScripts.Arg.NAME, name).set(LuaScripts.Arg.NODE, "n1").set(LuaScripts.Arg.EST_HI, "")
        .set(LuaScripts.Arg.CO_FIX, "").set(LuaScripts.Arg.SEQ, 0).set(LuaScripts.Arg.RENEW, 0)
        .set(LuaScripts.Arg.SEED_MODE, "1").set(LuaScripts.Arg.EPOCH, 0);
    SharedConfig.of(CircuitBreakerConfig.ofDefaults(), 1, Duration.ofSeconds(1)).seed(args, State.CLOSED, 0, 0, 0, "");
    return new SyncEngine.Call(args, name, (v, t) -> { }, () -> { });
  }

  private SyncEngine.Call read(String name) {
    LuaScripts.ArgList args = LuaScripts.READ.call().set(LuaScripts.Arg.CLOCK, "").set(LuaScripts.Arg.CHANNEL, keys.channel())
        .set(LuaScripts.Arg.NAME, name).set(LuaScripts.Arg.NODE, "n1").set(LuaScripts.Arg.EST_HI, "")
        .set(LuaScripts.Arg.CO_FIX, "");
    return new SyncEngine.Call(args, name, (v, t) -> { }, () -> { });
  }

  @Test
  void aFailingCallFailsAloneAndTheOthersAnswerInOrder() throws Exception {
    client.getBucket(keys.scriptKeys("broken").get(0).toString(), StringCodec.INSTANCE).set("not a hash");

    List<Object> replies = pipeline.send(List.of(seed("a"), seed("broken"), seed("b")), 1000, false)
        .get(5, TimeUnit.SECONDS);

    assertThat(replies).hasSize(3);
    assertThat(SharedView.fromReply((List<?>) replies.get(0)).state()).isEqualTo(State.CLOSED);
    assertThat(replies.get(1)).isInstanceOf(Throwable.class);
    assertThat(((Throwable) replies.get(1)).getMessage()).contains("WRONGTYPE");
    assertThat(SharedView.fromReply((List<?>) replies.get(2)).state()).isEqualTo(State.CLOSED);
    assertThat(client.getSet(keys.indexKey(), StringCodec.INSTANCE).readAll())
        .as("every breaker a call may create is listed").contains("a", "broken", "b");
  }

  @Test
  void theHeartbeatFailsOnARedisThatAnswersReadsButRefusesWrites() throws Exception {
    RedisMaster server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
    server.setConfig("maxmemory", "1");
    try {
      List<Object> replies = pipeline.send(List.of(read("a")), 1000, true).get(5, TimeUnit.SECONDS);

      assertThat(replies).hasSize(2);
      assertThat(SharedView.fromReply((List<?>) replies.get(0)).isMissing()).as("the read answers").isTrue();
      assertThat(replies.get(1)).as("the heartbeat").isInstanceOf(Throwable.class);
    } finally {
      server.setConfig("maxmemory", "0");
    }
  }
}
