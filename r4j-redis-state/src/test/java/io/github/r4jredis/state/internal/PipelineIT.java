package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisMaster;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * One pipeline, many calls: each call's reply or failure comes back on its own, in order, though
 * Redisson's batch as a whole "succeeds" when some (or all) of its commands failed.
 */
@RedisTest
class PipelineIT {

  private RedisServer redis;
  private RedissonClient client;
  private KeySpace keys;
  private ExecutorService io;
  private Pipeline pipeline;

  @BeforeEach
  void connect(@Dedicated RedisServer redis, @KeyPrefix String prefix) throws Exception {
    this.redis = redis;
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

  private Batch.Call seed(String name) {
    return seed(name, 0);
  }

  private Batch.Call seed(String name, long version) {
    LuaScripts.ArgList args = LuaScripts.FLUSH.call().set(LuaScripts.Arg.CLOCK, "").set(LuaScripts.Arg.CHANNEL, keys.channel())
        .set(LuaScripts.Arg.NAME, name).set(LuaScripts.Arg.NODE, "n1").set(LuaScripts.Arg.EST_HI, "")
        .set(LuaScripts.Arg.CO_FIX, "").set(LuaScripts.Arg.SEQ, 0).set(LuaScripts.Arg.RENEW, 0)
        .set(LuaScripts.Arg.SEED_MODE, "1").set(LuaScripts.Arg.EPOCH, 0);
    SharedConfig.of(CircuitBreakerConfig.ofDefaults(), 1, Duration.ofSeconds(1)).seed(args, State.CLOSED, version, 0, 0, "");
    return new Batch.Call(args, name, (v, t) -> { }, () -> { });
  }

  /** A flush without outcomes or seed: it writes the node's entry. */
  private Batch.Call renewal(String name) {
    Batch.Call call = seed(name);
    call.args().set(LuaScripts.Arg.SEED_MODE, "0");
    return call;
  }

  private Batch.Call read(String name) {
    LuaScripts.ArgList args = LuaScripts.READ.call().set(LuaScripts.Arg.CLOCK, "").set(LuaScripts.Arg.CHANNEL, keys.channel())
        .set(LuaScripts.Arg.NAME, name).set(LuaScripts.Arg.NODE, "n1").set(LuaScripts.Arg.EST_HI, "")
        .set(LuaScripts.Arg.CO_FIX, "");
    return new Batch.Call(args, name, (v, t) -> { }, () -> { });
  }

  /**
   * A call refused inside the script (here: its user may not publish on the channel it names)
   * fails alone; the calls sharing its script call answer, in order.
   */
  @Test
  void aFailingCallFailsAloneAndTheOthersAnswerInOrder() throws Exception {
    org.redisson.client.RedisClient admin = org.redisson.client.RedisClient.create(
        new org.redisson.client.RedisClientConfig().setAddress(redis.address()));
    try {
      admin.connect().sync(StringCodec.INSTANCE, new org.redisson.client.protocol.RedisStrictCommand<>("ACL"),
          "SETUSER", "pipe", "on", ">pipe-Pa55", "~*", "resetchannels", "&" + keys.prefix() + ":*", "+@all");
    } finally {
      admin.shutdown();
    }
    Config config = new Config();
    config.useSingleServer().setAddress(redis.address()).setUsername("pipe").setPassword("pipe-Pa55");
    RedissonClient limited = Redisson.create(config);
    try {
      Pipeline asLimited = new Pipeline(limited, keys, "n1", io, () -> 42L);
      asLimited.loadScripts().get(5, TimeUnit.SECONDS);
      Batch.Call broken = seed("broken");
      broken.args().set(LuaScripts.Arg.CHANNEL, "elsewhere");

      List<Object> replies = asLimited.send(List.of(seed("a"), broken, seed("b")), 1000, false, false)
          .get(5, TimeUnit.SECONDS);

      assertThat(replies).hasSize(3);
      assertThat(SharedView.fromReply((List<?>) replies.get(0)).state()).isEqualTo(State.CLOSED);
      assertThat(replies.get(1)).isInstanceOf(Throwable.class);
      assertThat(((Throwable) replies.get(1)).getMessage()).contains("can't publish to the channel");
      assertThat(Refusals.code((Throwable) replies.get(1))).isEqualTo("NOPERM");
      assertThat(SharedView.fromReply((List<?>) replies.get(2)).state()).isEqualTo(State.CLOSED);
      assertThat(client.getSet(keys.indexKey(), StringCodec.INSTANCE).readAll())
          .as("every breaker a call may create is listed").contains("a", "broken", "b");
    } finally {
      limited.shutdown();
    }
  }

  /**
   * A key of the wrong type in a call of many: the state key is replaced by the seed; the node
   * entries or the window make the part answer CORRUPT, with the key deleted (the node re-seeds);
   * the other parts answer as ever.
   */
  @Test
  void aKeyOfTheWrongTypeIsRepairedInsideACallOfMany() throws Exception {
    client.getBucket(keys.stateKey("state"), StringCodec.INSTANCE).set("not a hash");
    List<Object> seeded = pipeline.send(List.of(seed("a"), seed("state"), seed("nodes")), 1000, false, false)
        .get(5, TimeUnit.SECONDS);
    assertThat(SharedView.fromReply((List<?>) seeded.get(1)).flags()).contains(SharedView.Flag.CREATED);
    client.getBucket(keys.nodesKey("nodes"), StringCodec.INSTANCE).set("not a hash");

    List<Object> replies = pipeline.send(List.of(renewal("a"), renewal("nodes"), renewal("state")), 1000, false, false)
        .get(5, TimeUnit.SECONDS);

    assertThat(SharedView.fromReply((List<?>) replies.get(0)).status()).isEqualTo(SharedView.Status.OK);
    SharedView corrupt = SharedView.fromReply((List<?>) replies.get(1));
    assertThat(corrupt.status()).isEqualTo(SharedView.Status.CORRUPT);
    assertThat(corrupt.reason()).isEqualTo("corrupt key type");
    assertThat(client.getKeys().countExists(keys.nodesKey("nodes"))).isZero();
    assertThat(SharedView.fromReply((List<?>) replies.get(2)).status()).isEqualTo(SharedView.Status.OK);
  }

  @Test
  void callsOfOneScriptShareScriptCallsAndEachGetsItsOwnReplyInOrder() throws Exception {
    RedisMaster server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
    int breakers = 2 * Pipeline.MAX_BREAKERS_PER_SCRIPT + 7;
    List<Batch.Call> calls = new ArrayList<>();
    for (int i = 0; i < breakers; i++) {
      calls.add(seed("b" + i, 10 * i));
    }
    calls.add(read("b0"));
    Map<String, String> before = server.info(RedisNode.InfoSection.COMMANDSTATS);

    List<Object> replies = pipeline.send(calls, 2000, false, false).get(5, TimeUnit.SECONDS);

    assertThat(replies).hasSize(breakers + 1);
    for (int i = 0; i < breakers; i++) {
      assertThat(SharedView.fromReply((List<?>) replies.get(i)).version()).as("breaker b%d", i).isEqualTo(10L * i + 1);
    }
    assertThat(SharedView.fromReply((List<?>) replies.get(breakers)).version()).as("the read after them").isEqualTo(1);
    Map<String, String> after = server.info(RedisNode.InfoSection.COMMANDSTATS);
    assertThat(calls(after, "evalsha") - calls(before, "evalsha")).as("three calls of flushes, the read alone").isEqualTo(4);
    assertThat(calls(after, "time") - calls(before, "time")).as("TIME once per script call").isEqualTo(4);
  }

  /**
   * A Redis that lost its scripts (restart, failover, SCRIPT FLUSH): without them every call is
   * refused (NOSCRIPT); a pipeline that loads them first runs every call, and loads every
   * script: the next pipelines may need the others.
   */
  @Test
  void aPipelineThatLoadsTheScriptsFirstRunsOnARedisThatLostThem() throws Exception {
    RedisMaster server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
    List<Batch.Call> calls = new ArrayList<>();
    calls.add(read("a"));
    for (int i = 0; i < Pipeline.MAX_BREAKERS_PER_SCRIPT + 3; i++) {
      calls.add(seed("b" + i));
    }
    calls.add(read("b0"));
    client.getScript(StringCodec.INSTANCE).scriptFlush();

    assertThatThrownBy(() -> pipeline.send(calls, 2000, false, false).get(5, TimeUnit.SECONDS))
        .as("every call refused: the pipeline fails as a whole").hasMessageContaining("NOSCRIPT");

    Map<String, String> before = server.info(RedisNode.InfoSection.COMMANDSTATS);
    List<Object> replies = pipeline.send(calls, 2000, false, true).get(5, TimeUnit.SECONDS);

    assertThat(replies).hasSize(calls.size()).allSatisfy(reply -> assertThat(reply).isInstanceOf(List.class));
    assertThat(SharedView.fromReply((List<?>) replies.get(calls.size() - 1)).version()).as("b0, seeded").isEqualTo(1);
    Map<String, String> after = server.info(RedisNode.InfoSection.COMMANDSTATS);
    assertThat(calls(after, "script|load") - calls(before, "script|load")).as("every script")
        .isEqualTo(LuaScripts.values().length);
    assertThat(calls(after, "evalsha") - calls(before, "evalsha")).as("a read, two calls of flushes, a read")
        .isEqualTo(4);
  }

  private static long calls(Map<String, String> commandStats, String command) {
    String stats = commandStats.getOrDefault("cmdstat_" + command, "calls=0,");
    return Long.parseLong(stats.substring("calls=".length(), stats.indexOf(',')));
  }

  @Test
  void aRefusalInACallOfManyReachesEachOfItsBreakers() throws Exception {
    pipeline.send(List.of(seed("a"), seed("b")), 1000, false, false).get(5, TimeUnit.SECONDS);
    RedisMaster server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
    server.setConfig("maxmemory", "1");
    try {
      List<Object> replies = pipeline.send(List.of(renewal("a"), renewal("b")), 1000, false, false).get(5, TimeUnit.SECONDS);

      assertThat(replies).hasSize(2).allSatisfy(reply -> {
        assertThat(reply).isInstanceOf(Throwable.class);
        assertThat(Refusals.code((Throwable) reply)).isEqualTo("OOM");
      });
    } finally {
      server.setConfig("maxmemory", "0");
    }
  }

  /**
   * A proxy in front of shards (a sharded database behind one endpoint) looks like one Redis to
   * Redisson but refuses keys of several slots in one call: here a cluster node reached as a
   * single server. The first call of two breakers fails; from then on each slot's go alone.
   */
  @Test
  void behindAProxyThatRefusesSeveralSlotsInOneCallEachSlotGoesAlone(RedisCluster cluster) throws Exception {
    RedissonClient proxied = cluster.nodes().get(0).newRedisson(); // node 0 serves the lowest slots
    try {
      Pipeline behindProxy = new Pipeline(proxied, keys, "n1", io, () -> 42L);
      behindProxy.loadScripts().get(5, TimeUnit.SECONDS);
      List<String> names = new ArrayList<>();
      for (int i = 0; names.size() < 2; i++) {
        if (KeySpace.slot("p" + i) < 16384 / cluster.nodes().size()
            && (names.isEmpty() || KeySpace.slot(names.get(0)) != KeySpace.slot("p" + i))) {
          names.add("p" + i);
        }
      }

      // The one call of the pipeline fails: so does the pipeline as a whole.
      assertThatThrownBy(() -> behindProxy.send(List.of(read(names.get(0)), read(names.get(1))), 1000, false, false)
          .get(5, TimeUnit.SECONDS)).hasMessageContaining("CROSSSLOT");

      List<Object> again = behindProxy.send(List.of(read(names.get(0)), read(names.get(1))), 1000, false, false)
          .get(5, TimeUnit.SECONDS);
      assertThat(again).allSatisfy(reply -> assertThat(SharedView.fromReply((List<?>) reply).isMissing()).isTrue());
    } finally {
      proxied.shutdown();
    }
  }

  @Test
  void theHeartbeatFailsOnARedisThatAnswersReadsButRefusesWrites() throws Exception {
    RedisMaster server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
    server.setConfig("maxmemory", "1");
    try {
      List<Object> replies = pipeline.send(List.of(read("a")), 1000, true, false).get(5, TimeUnit.SECONDS);

      assertThat(replies).hasSize(2);
      assertThat(SharedView.fromReply((List<?>) replies.get(0)).isMissing()).as("the read answers").isTrue();
      assertThat(replies.get(1)).as("the heartbeat").isInstanceOf(Throwable.class);
    } finally {
      server.setConfig("maxmemory", "0");
    }
  }
}
