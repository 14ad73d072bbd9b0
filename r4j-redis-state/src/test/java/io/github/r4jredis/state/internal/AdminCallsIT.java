package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.state.SyncMode;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** Operators' calls: one breaker's, after Redis lost its scripts; the listing of them all. */
@RedisTest
class AdminCallsIT {

  private RedisServer redis;
  private RedissonClient client;
  private KeySpace keys;
  private ExecutorService io;
  private Pipeline pipeline;
  private SimpleMeterRegistry meterRegistry;
  private AdminCalls admin;
  private final AtomicInteger scriptsLost = new AtomicInteger();

  @BeforeEach
  void connect(@Dedicated RedisServer redis, @KeyPrefix String prefix) throws Exception {
    this.redis = redis;
    client = redis.newRedisson();
    keys = KeySpace.of(prefix);
    io = Executors.newSingleThreadExecutor();
    pipeline = new Pipeline(client, keys, "n1", io, () -> 42L);
    pipeline.loadScripts().get(5, TimeUnit.SECONDS);
    meterRegistry = new SimpleMeterRegistry();
    admin = new AdminCalls(client, keys, pipeline, new SyncMeters(meterRegistry, prefix, "n1", () -> SyncMode.SHARED), 250,
        scriptsLost::incrementAndGet);
  }

  @AfterEach
  void close() {
    io.shutdown();
    client.shutdown();
  }

  private Batch.Call call(LuaScripts.Request request, String encodedName) {
    LuaScripts.ArgList args = LuaScripts.call(request).set(LuaScripts.Arg.CHANNEL, keys.channel())
        .set(LuaScripts.Arg.NAME, encodedName).set(LuaScripts.Arg.NODE, "n1");
    if (request instanceof LuaScripts.Flush) {
      SharedConfig.of(CircuitBreakerConfig.ofDefaults(), 1, Duration.ofSeconds(1)).seed(args, State.CLOSED, 0, 0, 0, "");
    }
    return new Batch.Call(args, encodedName, (v, t) -> { }, () -> { });
  }

  private void create(String encodedName) {
    assertThat(admin.call(call(new LuaScripts.Flush(0, 0, LuaScripts.SeedMode.IF_MISSING, 0, List.of()), encodedName)))
        .isNotNull();
  }

  @Test
  void aCommandAfterRedisLostItsScriptsLoadsItsOwnAndIsApplied() {
    create("b");
    client.getScript(StringCodec.INSTANCE).scriptFlush();

    SharedView opened = admin.call(call(LuaScripts.Command.operator("OPEN", LuaScripts.SeedMode.NONE), "b"));

    assertThat(opened).isNotNull();
    assertThat(opened.state()).isEqualTo(State.OPEN);
    assertThat(scriptsLost.get()).as("the sync thread is told to reload them all").isEqualTo(1);
  }

  @Test
  void theListingReadsEveryBreakerInSlicesAndSkipsNamesThatAreNoEncoding() {
    int breakers = AdminCalls.READ_ALL_SLICE + 3;
    for (int i = 0; i < breakers; i++) {
      create("b" + i);
    }
    client.getSet(keys.indexKey(), StringCodec.INSTANCE).add("not%zzencoded");

    Map<String, SharedView> all = admin.readAll(encoded -> call(new LuaScripts.Read(), encoded));

    assertThat(all).hasSize(breakers).containsKey("b0").containsKey("b" + (breakers - 1));
    assertThat(meterRegistry.get("r4jredis.state.messages.rejected").tag("reason", "malformed").counter().count()).isEqualTo(1);
  }

  @Test
  void aListingRedisDoesNotAnswerIsAnErrorNotAPartialList() {
    create("b");
    redis.pause();
    try {
      assertThatThrownBy(() -> admin.readAll(encoded -> call(new LuaScripts.Read(), encoded)))
          .isInstanceOf(io.github.r4jredis.state.RedisStateException.class).hasMessageContaining(keys.indexKey());
    } finally {
      redis.resume();
    }
  }
}
