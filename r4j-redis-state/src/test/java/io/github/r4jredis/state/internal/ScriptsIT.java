package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** The Lua scripts called directly: window arithmetic, fencing, leases, legality, repair. */
@RedisTest
class ScriptsIT {

  private RedissonClient client;
  private KeySpace keys;
  private long skew;

  @BeforeEach
  void connect(RedisServer redis, @KeyPrefix String prefix) {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.address());
    client = Redisson.create(config);
    keys = KeySpace.of(prefix);
    for (LuaScripts script : LuaScripts.values()) {
      client.getScript(StringCodec.INSTANCE).scriptLoad(script.text());
    }
  }

  @AfterEach
  void close() {
    client.shutdown();
  }

  private SharedView call(LuaScripts script, String node, List<String> args) {
    List<Object> all = new ArrayList<>(List.of(Long.toString(skew), keys.channel(), "b", node));
    all.addAll(args);
    List<Object> reply = client.getScript(StringCodec.INSTANCE).evalSha(RScript.Mode.READ_WRITE,
        script.sha(), RScript.ReturnType.LIST, keys.scriptKeys("b"), all.toArray());
    return SharedView.fromReply(reply);
  }

  private static SharedConfig config(SlidingWindowType type, int size, int quorum) {
    return SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(size, size, type)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(10))
        .permittedNumberOfCallsInHalfOpenState(2)
        .build(), quorum, Duration.ofSeconds(5));
  }

  /** A flush: sequence, no lease, seed mode, seed, then seconds as (age, calls, fail, slow, slowfail). */
  private SharedView flush(String node, long sequence, String seedMode, SharedConfig config, long... seconds) {
    List<String> args = new ArrayList<>(List.of(Long.toString(sequence), "0", seedMode));
    args.addAll("0".equals(seedMode) ? SharedConfig.noSeed() : config.seed(State.CLOSED, 0, 0, 0));
    args.add("0"); // epoch: any
    args.add(Integer.toString(seconds.length / 5));
    for (long value : seconds) {
      args.add(Long.toString(value));
    }
    return call(LuaScripts.FLUSH, node, args);
  }

  @Test
  void aFlushIsMergedOnceWhateverTimesItIsSent() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 100, 1);
    flush("n1", 1, "1", config, 0, 5, 1, 0, 0);
    SharedView again = flush("n1", 1, "0", config, 0, 5, 1, 0, 0);

    assertThat(again.status()).isEqualTo("DUP");
    assertThat(again.calls()).isEqualTo(5);
    assertThat(flush("n1", 2, "0", config, 0, 5, 1, 0, 0).calls()).isEqualTo(10);
  }

  @Test
  void outcomesCountedBeforeATransitionStayOutOfTheNewWindow() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 100, 1);
    long version = flush("n1", 1, "1", config, 0, 5, 0, 0, 0).version();
    List<String> reset = new ArrayList<>(List.of("RESET", "0", "0"));
    reset.addAll(SharedConfig.noSeed());
    assertThat(call(LuaScripts.COMMAND, "n1", reset).version()).isEqualTo(version + 1);

    List<String> late = new ArrayList<>(List.of("2", "0", "0"));
    late.addAll(SharedConfig.noSeed());
    late.addAll(List.of(Long.toString(version), "1", "0", "7", "0", "0", "0"));
    SharedView view = call(LuaScripts.FLUSH, "n1", late);

    assertThat(view.status()).isEqualTo("OK");
    assertThat(view.calls()).as("counted at version %d, arrived at %d", version, version + 1).isZero();
  }

  @Test
  void aCountWindowEvictsItsOldestCallsKeepingTheirProportions() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    flush("n1", 1, "1", config, 0, 8, 2, 0, 0);
    SharedView view = flush("n1", 2, "0", config, 0, 6, 1, 0, 0);

    // The oldest block keeps 4 of its 8 calls: 1 of its 2 failures.
    assertThat(view.calls()).isEqualTo(10);
    assertThat(view.failures()).isEqualTo(2);
    assertThat(view.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void aTimeWindowForgetsSecondsThatLeftItAndSecondsSentLate() {
    SharedConfig config = config(SlidingWindowType.TIME_BASED, 10, 1);
    flush("n1", 1, "1", config, 0, 4, 1, 0, 0, 3, 4, 0, 0, 0, 30, 9, 9, 0, 0);
    SharedView now = flush("n1", 2, "0", config);
    assertThat(now.calls()).as("the second 30 s old is outside a 10 s window").isEqualTo(8);

    skew += 8_000;
    assertThat(flush("n1", 3, "0", config).calls()).as("the 3 s old second has left").isEqualTo(4);
    skew += 3_000;
    assertThat(flush("n1", 4, "0", config).calls()).isZero();
  }

  @Test
  void thresholdOpensTheBreakerWithTheFirstWaitOfTheBackoff() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView view = flush("n1", 1, "1", config, 0, 4, 2, 0, 0);

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.flags()).isEqualTo("FO");
    assertThat(view.attempts()).isEqualTo(1);
    assertThat(view.openUntil() - view.since()).isEqualTo(10_000);
  }

  @Test
  void aQuorumNeedsFailuresFromDistinctNodes() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 2);
    SharedView one = flush("n1", 1, "1", config, 0, 4, 4, 0, 0);
    assertThat(one.state()).isEqualTo(State.CLOSED);
    assertThat(one.flags()).isEqualTo("FQ");
    assertThat(one.failingNodes()).isEqualTo(1);

    SharedView two = flush("n2", 1, "0", config, 0, 1, 1, 0, 0);
    assertThat(two.state()).isEqualTo(State.OPEN);
    assertThat(two.failingNodes()).isEqualTo(2);
  }

  @Test
  void oneNodeHoldsTheProbeLeaseUntilItExpires() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, 0, 4, 4, 0, 0);
    assertThat(call(LuaScripts.CLAIM, "n1", List.of("1")).status()).as("before the deadline").isEqualTo("DENIED");

    skew += 10_000;
    SharedView granted = call(LuaScripts.CLAIM, "n1", List.of("1"));
    assertThat(granted.status()).isEqualTo("GRANTED");
    assertThat(granted.version()).isEqualTo(open.version() + 1);
    assertThat(granted.leaseHolder()).isEqualTo("n1");
    assertThat(call(LuaScripts.CLAIM, "n2", List.of("1")).status()).isEqualTo("DENIED");

    skew += 5_001;
    SharedView takeover = call(LuaScripts.CLAIM, "n2", List.of("1"));
    assertThat(takeover.status()).isEqualTo("GRANTED");
    assertThat(takeover.version()).isEqualTo(granted.version() + 1);
    SharedView late = call(LuaScripts.VERDICT, "n1", List.of(Long.toString(granted.version()), "CLOSED"));
    assertThat(late.status()).as("the old holder's verdict").isEqualTo("STALE");

    SharedView verdict = call(LuaScripts.VERDICT, "n2", List.of(Long.toString(takeover.version()), "OPEN"));
    assertThat(verdict.status()).isEqualTo("APPLIED");
    assertThat(verdict.attempts()).isEqualTo(2);
    assertThat(verdict.openUntil() - verdict.since()).as("second wait of the backoff").isEqualTo(10_000);
  }

  @Test
  void commandsFollowResilience4jsTableOfTransitions() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config);
    List<String> metricsOnly = new ArrayList<>(List.of("METRICS_ONLY", "0", "0"));
    metricsOnly.addAll(SharedConfig.noSeed());
    assertThat(call(LuaScripts.COMMAND, "n1", metricsOnly).status()).isEqualTo("APPLIED");
    List<String> halfOpen = new ArrayList<>(List.of("HALF_OPEN", "0", "0"));
    halfOpen.addAll(SharedConfig.noSeed());

    SharedView refused = call(LuaScripts.COMMAND, "n1", halfOpen);

    assertThat(refused.status()).isEqualTo("ILLEGAL");
    assertThat(refused.state()).isEqualTo(State.METRICS_ONLY);
  }

  @Test
  void aTamperedStateIsReportedAndReseeded() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    long version = flush("n1", 1, "1", config).version();
    client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).put("s", "AJAR");

    SharedView read = call(LuaScripts.READ, "n1", List.of());
    assertThat(read.isMissing()).isTrue();
    assertThat(read.flags()).isEqualTo("corrupt");

    SharedView repaired = flush("n1", 2, "1", config);
    assertThat(repaired.state()).isEqualTo(State.CLOSED);
    assertThat(repaired.version()).isEqualTo(1);
    assertThat(version).isEqualTo(1);
  }

  @Test
  void aStateBehindWhatANodeKnewIsReseededWithTheNodesKnowledge() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config);
    List<String> args = new ArrayList<>(List.of("0", "0", "2"));
    args.addAll(config.seed(State.OPEN, 7, 30_000, 2));
    args.add("0");
    args.add("0");

    SharedView view = call(LuaScripts.FLUSH, "n1", args);

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.version()).isEqualTo(8);
    assertThat(view.attempts()).isEqualTo(2);
    assertThat(view.openUntil() - view.serverNow()).isBetween(29_000L, 30_000L);
  }
}
