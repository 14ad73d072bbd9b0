package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.internal.LuaScripts.Arg;
import io.github.r4jredis.state.internal.SharedView.Flag;
import io.github.r4jredis.state.internal.SharedView.Status;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** The Lua scripts called directly: window arithmetic, fencing, leases, legality, repair. */
@RedisTest
class ScriptsIT {

  private RedissonClient client;
  private KeySpace keys;
  private long clock = System.currentTimeMillis();

  @BeforeEach
  void connect(RedisServer redis, @KeyPrefix String prefix) {
    keys = KeySpace.of(prefix);
    use(redis);
  }

  /** Talks to {@code redis} from now on (a test counting the commands Redis runs has its own). */
  private void use(RedisServer redis) {
    if (client != null) {
      client.shutdown();
    }
    Config config = new Config();
    config.useSingleServer().setAddress(redis.address());
    client = Redisson.create(config);
    for (LuaScripts script : LuaScripts.values()) {
      client.getScript(StringCodec.INSTANCE).scriptLoad(script.text());
    }
  }

  @AfterEach
  void close() {
    client.shutdown();
  }

  private LuaScripts.ArgList args(LuaScripts script, String node) {
    return script.call().set(Arg.CLOCK, clock).set(Arg.CHANNEL, keys.channel()).set(Arg.NAME, "b")
        .set(Arg.NODE, node);
  }

  private SharedView call(LuaScripts.ArgList args) {
    List<Object> reply = client.getScript(StringCodec.INSTANCE).evalSha(RScript.Mode.READ_WRITE,
        args.script().sha(), RScript.ReturnType.LIST, keys.scriptKeys("b"), args.toList().toArray());
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

  /** A flush: sequence, seed mode (a seed of CLOSED when not "0"), epoch "any", then blocks. */
  private SharedView flush(String node, long sequence, String seedMode, SharedConfig config, String... blocks) {
    LuaScripts.ArgList args = args(LuaScripts.FLUSH, node).set(Arg.SEQ, sequence).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, seedMode).set(Arg.EPOCH, 0).tail(List.of(blocks));
    if (!"0".equals(seedMode)) {
      config.seed(args, State.CLOSED, 0, 0, 0, "");
    }
    return call(args);
  }

  private SharedView claim(String node, String want, long expect) {
    return call(args(LuaScripts.CLAIM, node).set(Arg.WANT, want).set(Arg.EXPECT, expect));
  }

  private SharedView verdict(String node, long episode, String verdict) {
    return call(args(LuaScripts.VERDICT, node).set(Arg.EPISODE, episode).set(Arg.VERDICT, verdict));
  }

  private SharedView command(String node, String op, long sequence) {
    return call(args(LuaScripts.COMMAND, node).set(Arg.OP, op).set(Arg.SEED_MODE, "0")
        .set(Arg.CMD_SEQ, sequence).set(Arg.RESERVE, "0"));
  }

  /** {@code args} on Redis TIME (no test clock), with the caller's bound on the fleet's time and a fix, if any. */
  private SharedView onRedisTime(LuaScripts.ArgList args, Long latest, String fix) {
    args.set(Arg.CLOCK, "");
    if (latest != null) {
      args.set(Arg.EST_HI, latest);
    }
    if (fix != null) {
      args.set(Arg.CO_FIX, fix);
    }
    return call(args);
  }

  private long redisTime() {
    List<Object> time = client.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_ONLY,
        "local t = redis.call('TIME') return {t[1], t[2]}", RScript.ReturnType.LIST);
    return Long.parseLong(time.get(0).toString()) * 1000 + Long.parseLong(time.get(1).toString()) / 1000;
  }

  private LuaScripts.ArgList seedClosed(SharedConfig config) {
    LuaScripts.ArgList seed = args(LuaScripts.FLUSH, "n1").set(Arg.SEQ, 0).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, "1").set(Arg.EPOCH, 0);
    config.seed(seed, State.CLOSED, 0, 0, 0, "");
    return seed;
  }

  /**
   * Redis TIME jumps forward by 30 s, as after a failover to a server whose clock is ahead. A
   * script past its caller's bound acts as of that bound and keeps nothing of it (it may only have
   * run late); the deadline the fleet set holds. A node that saw TIME itself jump moves the
   * breaker's offset, once however many ask, and from then on nobody needs a bound.
   */
  @Test
  void aJumpForwardEndsNoDeadlineEarlyAndTheOffsetMovesOnceWhenANodeSawIt() throws InterruptedException {
    SharedConfig config = SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(Duration.ofSeconds(5))
        .build(), 1, Duration.ofSeconds(5));
    long jump = 30_000;
    long fleetTime = redisTime() - jump; // what the nodes knew from the server before
    SharedView seeded = onRedisTime(seedClosed(config), fleetTime, null);
    assertThat(seeded.serverNow()).as("held back to the bound").isEqualTo(fleetTime);
    assertThat(SharedView.clockOf(rawReply(seedClosed(config).set(Arg.SEED_MODE, "0"))).offset()).isZero();

    SharedView open = onRedisTime(args(LuaScripts.COMMAND, "n1").set(Arg.OP, "OPEN")
        .set(Arg.SEED_MODE, "0").set(Arg.CMD_SEQ, 0).set(Arg.RESERVE, "0"), fleetTime, null);
    assertThat(open.openUntil()).isEqualTo(fleetTime + 5_000);
    // By Redis TIME alone the deadline passed 25 s ago; by the fleet's it is 5 s away.
    assertThat(onRedisTime(args(LuaScripts.CLAIM, "n2").set(Arg.WANT, "lease").set(Arg.EXPECT, 0), fleetTime, null)
        .status()).isEqualTo(Status.DENIED);

    String fix = "0 " + (-jump);
    SharedView fixed = onRedisTime(args(LuaScripts.READ, "n2"), null, fix);
    assertThat(fixed.serverNow()).isBetween(fleetTime, fleetTime + 1_000);
    assertThat(onRedisTime(args(LuaScripts.READ, "n3"), null, fix).serverNow())
        .as("a second node asking for the same fix changes nothing").isBetween(fleetTime, fleetTime + 1_000);
    // A new node, without bounds, is denied too, then granted once the fleet's 5 s are over.
    assertThat(onRedisTime(args(LuaScripts.CLAIM, "n4").set(Arg.WANT, "lease").set(Arg.EXPECT, 0), null, null)
        .status()).isEqualTo(Status.DENIED);
    Thread.sleep(5_100 - (onRedisTime(args(LuaScripts.READ, "n4"), null, null).serverNow() - fleetTime));
    assertThat(onRedisTime(args(LuaScripts.CLAIM, "n4").set(Arg.WANT, "lease").set(Arg.EXPECT, 0), null, null)
        .status()).isEqualTo(Status.GRANTED);
  }

  /**
   * Redis TIME jumps back by 30 s (or 3 s): a caller without bounds (a new node, an operator)
   * finds it before the breaker's last transition, which cannot be, and moves the offset; the
   * OPEN deadline does not stall for the jump. A fix asked for by a node that saw the jump moves
   * it the same way.
   */
  @ParameterizedTest
  @ValueSource(longs = {-30_000, -3_000})
  void aJumpBackStallsNoDeadline(long jump) throws InterruptedException {
    SharedConfig config = SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .build(), 1, Duration.ofSeconds(5));
    onRedisTime(seedClosed(config), null, null);
    long fleetTime = redisTime() - jump;
    // Opened on the old master, whose clock was ahead.
    SharedView open = onRedisTime(args(LuaScripts.COMMAND, "n1").set(Arg.OP, "OPEN")
        .set(Arg.SEED_MODE, "0").set(Arg.CMD_SEQ, 0).set(Arg.RESERVE, "0"), null, "0 " + (-jump));
    assertThat(open.openUntil() - open.serverNow()).isEqualTo(1000);
    assertThat(open.serverNow()).isBetween(fleetTime, fleetTime + 1_000);
    client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).fastPut("co", "0"); // the failover

    SharedView read = onRedisTime(args(LuaScripts.READ, "operator"), null, null);
    assertThat(read.serverNow()).as("the fleet's time goes on from the last transition").isGreaterThanOrEqualTo(open.since());
    Thread.sleep(1_100);
    assertThat(onRedisTime(args(LuaScripts.CLAIM, "n2").set(Arg.WANT, "lease").set(Arg.EXPECT, 0), null, null)
        .status()).isEqualTo(Status.GRANTED);
  }

  private List<Object> rawReply(LuaScripts.ArgList args) {
    args.set(Arg.CLOCK, "");
    return client.getScript(StringCodec.INSTANCE).evalSha(RScript.Mode.READ_WRITE,
        args.script().sha(), RScript.ReturnType.LIST, keys.scriptKeys("b"), args.toList().toArray());
  }

  /**
   * A flush that carries seconds older than the window (a node that could not flush for a while)
   * is replayed as Resilience4j counted: the slow call at second 1 was measured with the two calls
   * of second 0 still in the window (1 of 3 slow, under 100 %), not alone; then second 0 leaves.
   * Found by DifferentialIT (before, the old second was skipped and the slow call opened the fleet).
   */
  @Test
  void aTimeWindowReplaysOldSecondsWithTheCallsTheyHadThen() {
    SharedConfig config = SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(8, 1, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofMillis(500))
        .build(), 1, Duration.ofSeconds(5));
    SharedView view = flush("n1", 1, "1", config, "8|0,0,0,0|s2", "7|0,0,0,0|S1s2", "0|0,0,0,0|F1");

    assertThat(view.state()).isEqualTo(State.CLOSED);
    assertThat(view.flags()).doesNotContain(Flag.OPENED, Flag.SLOW_RATE_EXCEEDED);
    assertThat(view.calls()).as("second 0 left the window").isEqualTo(4);
    assertThat(view.failures()).isEqualTo(1);
    assertThat(view.slowCalls()).isEqualTo(2);
  }

  /**
   * Seconds outside the window now are context, not evaluated: they are sent because a second
   * still in the window was measured with them, but the seconds before them are not sent. Here
   * (11 s window, 100 % threshold) a success 15 s before four failures is left out; replayed
   * alone, the failures' own second would make 100 % and open the fleet, where Resilience4j saw 80 %
   * with that success (found in review of the node-side fix; before, this opened).
   */
  @Test
  void aTimeWindowTakesSecondsOutsideItAsContextWithoutEvaluatingThem() {
    SharedConfig config = SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(11, 1, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(100)
        .build(), 1, Duration.ofSeconds(5));
    SharedView view = flush("n1", 1, "1", config, "18|0,0,0,0|f1", "17|0,0,0,0|f1", "16|0,0,0,0|f2",
        "10|0,0,0,0|s1");

    assertThat(view.state()).isEqualTo(State.CLOSED);
    assertThat(view.flags()).doesNotContain(Flag.OPENED, Flag.FAILURE_RATE_EXCEEDED);
    assertThat(view.calls()).as("only the success's second is in the window now").isEqualTo(1);
    assertThat(view.failures()).isZero();
  }

  /**
   * A breaker's keys expire a week after the last flush (give or take a minute), so that the
   * state of a breaker nobody uses does not stay in Redis for ever: the state gets the expiry when
   * it is seeded, a window when outcomes create it, and both are renewed with the node entries,
   * by the first flush of a new minute, and by commands.
   */
  @ParameterizedTest
  @EnumSource(SlidingWindowType.class)
  void theKeysOfABreakerExpireAWeekAfterItsLastFlush(SlidingWindowType type) {
    long week = Duration.ofDays(7).toMillis();
    SharedConfig config = config(type, 10, 1);
    List<Object> all = keys.scriptKeys("b");
    String window = (String) all.get(type == SlidingWindowType.COUNT_BASED ? 2 : 3);
    flush("n1", 0, "1", config);
    assertThat(ttl((String) all.get(0))).isBetween(week - 60_000, week);
    assertThat(ttl(window)).as("no window yet").isEqualTo(-2);

    flush("n1", 1, "0", config, "0|0,0,0,0|s3f1");
    assertThat(ttl(window)).as("the outcomes created the window").isBetween(week - 60_000, week);

    // Renewed: both lose their expiry (as an operator might, PERSIST), the next minute's flush gives it back.
    client.getBucket((String) all.get(0)).clearExpire();
    client.getBucket(window).clearExpire();
    flush("n1", 2, "0", config, "0|0,0,0,0|s1");
    assertThat(ttl((String) all.get(0))).as("not renewed within the minute").isEqualTo(-1);
    clock += 60_000;
    flush("n1", 3, "0", config, "0|0,0,0,0|s1");
    assertThat(ttl((String) all.get(0))).isBetween(week - 60_000, week);
    assertThat(ttl(window)).isBetween(week - 60_000, week);

    if (type == SlidingWindowType.TIME_BASED) {
      // Every second left the 10 s window: the buckets' key goes, and the next outcomes create it again.
      client.getBucket(window).clearExpire();
      clock += 11_000;
      flush("n1", 4, "0", config, "0|0,0,0,0|s1");
      assertThat(ttl(window)).as("a window created again").isBetween(week - 60_000, week);
    }

    client.getBucket((String) all.get(0)).clearExpire();
    command("n2", "FORCED_OPEN", 1);
    assertThat(ttl((String) all.get(0))).as("a command renews it").isBetween(week - 60_000, week);
  }

  private long ttl(String key) {
    return client.getBucket(key, StringCodec.INSTANCE).remainTimeToLive();
  }

  @Test
  void aFlushIsMergedOnceWhateverTimesItIsSent() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 100, 1);
    SharedView first = flush("n1", 1, "1", config, "0|0,0,0,0|s4f1");
    SharedView again = flush("n1", 1, "0", config, "0|0,0,0,0|s4f1");

    assertThat(first.flags()).contains(Flag.CREATED, Flag.MERGED);
    assertThat(again.status()).isEqualTo(Status.DUP);
    assertThat(again.calls()).isEqualTo(5);
    assertThat(flush("n1", 2, "0", config, "0|0,0,0,0|s4f1").calls()).isEqualTo(10);
  }

  @Test
  void outcomesCountedBeforeATransitionStayOutOfTheNewWindow() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 100, 1);
    long version = flush("n1", 1, "1", config, "0|0,0,0,0|s5").version();
    assertThat(command("n1", "RESET", 0).version()).isEqualTo(version + 1);

    SharedView view = call(args(LuaScripts.FLUSH, "n1").set(Arg.SEQ, 2).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, "0").set(Arg.EPOCH, version).tail(List.of("0|0,0,0,0|s7")));

    assertThat(view.status()).isEqualTo(Status.OK);
    assertThat(view.flags()).doesNotContain(Flag.MERGED);
    assertThat(view.calls()).as("counted at version %d, arrived at %d", version, version + 1).isZero();
  }

  @Test
  void aCountWindowEvictsItsOldestCallsExactly() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s2f2s4");
    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|s5f1");

    // The oldest four calls (s s f f) left: one failure remains, the new one.
    assertThat(view.calls()).isEqualTo(10);
    assertThat(view.failures()).isEqualTo(1);
    assertThat(view.state()).isEqualTo(State.CLOSED);
    assertThat(client.getList(keys.windowKey("b"), StringCodec.INSTANCE).readAll())
        .extracting(entry -> entry.toString().split(" ")[0])
        .containsExactly("s9", "f1");
  }

  /**
   * A healthy fleet's window is one run of successes. More successes evict as many of its own:
   * the window is what it was, and the flush writes neither it nor the state (only the node's
   * entry); a failure after them is evicted in order as any run.
   */
  @Test
  void successesIntoAFullWindowOfSuccessesWriteNothingButTheNodesEntry(@Dedicated RedisServer own) {
    use(own);
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s6");
    flush("n1", 2, "0", config, "0|0,0,0,0|s7");
    assertThat(client.getList(keys.windowKey("b"), StringCodec.INSTANCE).readAll())
        .as("filled: one run at the size").extracting(entry -> entry.toString().split(" ")[0]).containsExactly("s10");
    long[] before = {commandCalls("hset"), commandCalls("lset"), commandCalls("rpush"), commandCalls("lpop")};

    SharedView view = flush("n1", 3, "0", config, "0|0,0,0,0|s25");

    assertThat(new long[] {commandCalls("hset") - before[0], commandCalls("lset") - before[1],
        commandCalls("rpush") - before[2], commandCalls("lpop") - before[3]})
        .as("HSET, LSET, RPUSH, LPOP run").containsExactly(1, 0, 0, 0);
    assertThat(view.calls()).isEqualTo(10);
    assertThat(view.failures()).isZero();
    SharedView failed = flush("n1", 4, "0", config, "0|0,0,0,0|f3s2");
    assertThat(failed.calls()).isEqualTo(10);
    assertThat(failed.failures()).isEqualTo(3);
    assertThat(client.getList(keys.windowKey("b"), StringCodec.INSTANCE).readAll())
        .extracting(entry -> entry.toString().split(" ")[0]).containsExactly("s5", "f3", "s2");
  }

  private long commandCalls(String command) {
    String stats = client.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance()
        .info(org.redisson.api.redisnode.RedisNode.InfoSection.COMMANDSTATS)
        .getOrDefault("cmdstat_" + command, "calls=0,");
    return Long.parseLong(stats.substring("calls=".length(), stats.indexOf(',')));
  }

  @Test
  void anUnorderedPrefixIsEvictedInProportion() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    flush("n1", 1, "1", config, "0|8,2,0,0|");
    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|s6");

    assertThat(view.calls()).isEqualTo(10);
    assertThat(view.failures()).as("4 of the 8 unordered calls stay, with 1 of their 2 failures").isEqualTo(1);
  }

  @Test
  void theRuleIsEvaluatedAfterEachRunAsResilience4jDoesAfterEachCall() {
    // Resilience4j, window 4: f f s s -> 50 % at the fourth call, OPEN. A flush evaluated only
    // at its end would see s s s s (the failures evicted) and stay CLOSED.
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView view = flush("n1", 1, "1", config, "0|0,0,0,0|f2s6");

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.flags()).contains(Flag.FAILURE_RATE_EXCEEDED, Flag.OPENED);
    assertThat(view.calls()).as("outcomes after the opening still fill the window, as in Resilience4j's OPEN").isEqualTo(4);
  }

  @Test
  void aTimeWindowForgetsSecondsThatLeftItAndSecondsSentLate() {
    SharedConfig config = config(SlidingWindowType.TIME_BASED, 10, 1);
    flush("n1", 1, "1", config, "30|0,0,0,0|f9", "3|0,0,0,0|s4", "0|0,0,0,0|s3f1");
    SharedView now = flush("n1", 2, "0", config);
    assertThat(now.calls()).as("the second 30 s old is outside a 10 s window").isEqualTo(8);

    clock += 8_000;
    assertThat(flush("n1", 3, "0", config).calls()).as("the 3 s old second has left").isEqualTo(4);
    clock += 3_000;
    assertThat(flush("n1", 4, "0", config).calls()).isZero();
  }

  @Test
  void aTimeWindowOfHoursAdvancesOverAnIdleGapOfHours() {
    SharedConfig config = config(SlidingWindowType.TIME_BASED, 10_000, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s5");
    clock += 9_000_000;
    SharedView later = flush("n1", 2, "0", config, "0|0,0,0,0|s1");
    assertThat(later.calls()).isEqualTo(6);
    clock += 10_000_000;
    assertThat(flush("n1", 3, "0", config).calls()).as("after the window's length, nothing is left").isZero();
  }

  @Test
  void thresholdOpensTheBreakerWithTheFirstWaitAndReservesTheNextEpisodeForTheOpener() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView view = flush("n1", 1, "1", config, "0|0,0,0,0|s2f2");

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.flags()).contains(Flag.FAILURE_RATE_EXCEEDED, Flag.OPENED);
    assertThat(view.attempts()).isEqualTo(1);
    assertThat(view.openUntil() - view.since()).isEqualTo(10_000);
    assertThat(view.holder()).isEqualTo("n1");
    assertThat(view.holderUntil()).as("the reservation lapses a lease after the deadline").isEqualTo(view.openUntil() + 5_000);
  }

  @Test
  void aQuorumNeedsFailuresFromDistinctNodes() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 2);
    SharedView one = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    assertThat(one.state()).isEqualTo(State.CLOSED);
    assertThat(one.flags()).contains(Flag.FAILURE_RATE_EXCEEDED, Flag.NO_QUORUM);
    assertThat(one.failingNodes()).isEqualTo(1);

    SharedView two = flush("n2", 1, "0", config, "0|0,0,0,0|f1");
    assertThat(two.state()).isEqualTo(State.OPEN);
    assertThat(two.failingNodes()).isEqualTo(2);
  }

  @Test
  void theReservationHolderStartsItsEpisodeAndOthersWaitUntilTheReservationLapses() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    assertThat(claim("n2", "lease", 0).status()).as("before the deadline").isEqualTo(Status.DENIED);

    clock += 10_000;
    assertThat(claim("n2", "lease", 0).status()).as("reserved for n1").isEqualTo(Status.DENIED);
    assertThat(claim("n2", "start", open.version()).status()).as("not n2's reservation").isEqualTo(Status.DENIED);
    SharedView started = claim("n1", "start", open.version());
    assertThat(started.status()).isEqualTo(Status.GRANTED);
    assertThat(started.state()).isEqualTo(State.HALF_OPEN);
    assertThat(started.version()).isEqualTo(open.version() + 1);
    assertThat(claim("n1", "start", open.version()).status()).as("the same start sent again").isEqualTo(Status.GRANTED);

    SharedView reopened = verdict("n1", started.version(), "OPEN");
    assertThat(reopened.status()).isEqualTo(Status.APPLIED);
    assertThat(reopened.attempts()).isEqualTo(2);
    assertThat(reopened.holder()).as("the holder keeps the next episode").isEqualTo("n1");

    clock += 10_000 + 5_000;
    SharedView takeover = claim("n2", "lease", 0);
    assertThat(takeover.status()).as("the reservation lapsed").isEqualTo(Status.GRANTED);
    assertThat(takeover.holder()).isEqualTo("n2");
    assertThat(claim("n1", "start", reopened.version()).status()).isEqualTo(Status.DENIED);
  }

  @Test
  void aHolderWithoutCallsReleasesItsReservationForTheOthers() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    clock += 10_000;

    SharedView released = claim("n1", "release", open.version());
    assertThat(released.status()).isEqualTo(Status.APPLIED);
    assertThat(released.holder()).isEmpty();
    assertThat(released.version()).isEqualTo(open.version() + 1);
    assertThat(claim("n2", "lease", 0).status()).isEqualTo(Status.GRANTED);
  }

  @Test
  void aLeaseWhoseHolderFellSilentIsTakenOverAndItsLateVerdictRefused() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    clock += 10_000;
    SharedView granted = claim("n1", "start", open.version());
    assertThat(claim("n2", "lease", 0).status()).isEqualTo(Status.DENIED);

    clock += 5_001;
    SharedView takeover = claim("n2", "lease", 0);
    assertThat(takeover.status()).isEqualTo(Status.GRANTED);
    assertThat(takeover.version()).isEqualTo(granted.version() + 1);
    assertThat(verdict("n1", granted.version(), "CLOSED").status()).as("the old holder's verdict").isEqualTo(Status.STALE);
    assertThat(verdict("n2", takeover.version(), "CLOSED").status()).isEqualTo(Status.APPLIED);
  }

  @Test
  void commandsFollowResilience4jsTableOfTransitions() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config);
    assertThat(command("n1", "METRICS_ONLY", 0).status()).isEqualTo(Status.APPLIED);

    SharedView refused = command("n1", "HALF_OPEN", 0);

    assertThat(refused.status()).isEqualTo(Status.ILLEGAL);
    assertThat(refused.state()).isEqualTo(State.METRICS_ONLY);
  }

  @Test
  void aCommandSentAgainAfterALostReplyIsAppliedOnce() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config);
    SharedView first = command("n1", "OPEN", 41);
    SharedView again = command("n1", "OPEN", 41);

    assertThat(first.status()).isEqualTo(Status.APPLIED);
    assertThat(again.status()).isEqualTo(Status.DUP);
    assertThat(again.version()).isEqualTo(first.version());
    assertThat(again.attempts()).isEqualTo(1);
  }

  @Test
  void theOpenOfTransitionOnResultAppliesOnlyToTheClosedStateItWasCountedIn() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    long version = flush("n1", 1, "1", config).version();
    command("n2", "FORCED_OPEN", 0);

    SharedView late = call(args(LuaScripts.COMMAND, "n1").set(Arg.OP, "OPEN_FOR").set(Arg.WAIT, 1000)
        .set(Arg.SEED_MODE, "0").set(Arg.CMD_SEQ, 7).set(Arg.EXPECT_STATE, "CLOSED")
        .set(Arg.EXPECT_VERSION, version).set(Arg.RESERVE, "1"));

    assertThat(late.status()).isEqualTo(Status.STALE);
    assertThat(late.state()).as("FORCED_OPEN is not overridden").isEqualTo(State.FORCED_OPEN);
  }

  @Test
  void aTamperedStateIsReportedAndReseeded() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    long version = flush("n1", 1, "1", config).version();
    client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).put("s", "AJAR");

    SharedView read = call(args(LuaScripts.READ, "n1"));
    assertThat(read.status()).isEqualTo(Status.CORRUPT);
    assertThat(read.reason()).isEqualTo("corrupt");

    SharedView repaired = flush("n1", 2, "1", config);
    assertThat(repaired.state()).isEqualTo(State.CLOSED);
    assertThat(repaired.version()).isEqualTo(1);
    assertThat(version).isEqualTo(1);
  }

  /**
   * Whatever a tamperer writes into any field of the state hash, every reply is one the nodes
   * parse, and one seeding flush (what a node sends after a CORRUPT reply) repairs it: no value
   * is taken by the scripts and refused by the Java parser (which left the breaker unrepaired).
   */
  @Test
  void anyValueInAnyStoredFieldGivesRepliesTheNodesParseAndOneSeedRepairsIt() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    List<String> fields = List.of("s", "v", "p", "t", "ou", "a", "lh", "lu", "hu", "by", "r", "wc", "wf", "ws", "wsf",
        "wh", "an", "anAt", "fn", "mx", "ct", "cs", "cm", "cfr", "csr", "chk", "cmw", "cmwto", "cq", "cl", "cw", "cfp",
        "se", "co");
    List<String> values = List.of("-5", "-1", "9223372036854775807", "1e300", "1.5", "nan", "inf", "-inf", "0x10",
        "abc", "", "AJAR", "1000", "x".repeat(10_000));
    List<String> refusedByJava = new java.util.ArrayList<>();
    long sequence = 1;
    for (String field : fields) {
      for (String value : values) {
        client.getKeys().delete(keys.scriptKeys("b").stream().map(Object::toString).toArray(String[]::new));
        flush("n1", sequence++, "1", config, "0|0,0,0,0|s4");
        client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).put(field, value);
        String what = field + "=" + (value.length() > 20 ? value.substring(0, 20) + "..." : value);
        SharedView read = parsedOrNull(args(LuaScripts.READ, "n1"), what, refusedByJava);
        SharedView flushed = parsedOrNull(args(LuaScripts.FLUSH, "n1").set(Arg.SEQ, sequence++).set(Arg.RENEW, 0)
            .set(Arg.SEED_MODE, "0").set(Arg.EPOCH, 0).tail(List.of("0|0,0,0,0|f1")), what, refusedByJava);
        if (read != null && flushed != null && (read.isMissing() || flushed.isMissing())) {
          SharedView repaired = flush("n1", sequence++, "1", config, "0|0,0,0,0|s1");
          assertThat(repaired.status()).as(what).isEqualTo(Status.OK);
          assertThat(call(args(LuaScripts.READ, "n1")).status()).as(what + ", read after the repair").isEqualTo(Status.OK);
        }
      }
    }
    assertThat(refusedByJava).isEmpty();
  }

  private SharedView parsedOrNull(LuaScripts.ArgList args, String what, List<String> refused) {
    try {
      return call(args);
    } catch (IllegalArgumentException e) {
      refused.add(what + " (" + args.script() + "): " + e.getMessage());
      return null;
    }
  }

  /**
   * Durations a config may hold that lie beyond the scripts' time bound (an exponential backoff
   * without a maximum, a wait in HALF_OPEN of millennia) are kept as 2^40 ms: the seed is valid,
   * the breaker opens and half-opens.
   */
  @Test
  void aConfigOfEndlessWaitsSeedsAValidState() {
    SharedConfig config = SharedConfig.of(CircuitBreakerConfig.custom()
        .slidingWindow(2, 2, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitIntervalFunctionInOpenState(io.github.resilience4j.core.IntervalFunction.ofExponentialBackoff(
            Duration.ofDays(1000), 10))
        .maxWaitDurationInHalfOpenState(Duration.ofDays(365L * 100_000))
        .build(), 1, Duration.ofSeconds(5));

    SharedView seeded = flush("n1", 1, "1", config, "0|0,0,0,0|f2");

    assertThat(seeded.status()).isEqualTo(Status.OK);
    assertThat(seeded.state()).isEqualTo(State.OPEN);
    assertThat(seeded.openUntil() - clock).isEqualTo(Duration.ofDays(1000).toMillis());
    assertThat(call(args(LuaScripts.READ, "n1")).status()).isEqualTo(Status.OK);

    // transitionToOpenStateFor "for ever", and a seed of what a node knew of it
    SharedView forever = call(args(LuaScripts.COMMAND, "n1").set(Arg.OP, "OPEN_FOR").set(Arg.WAIT, Long.MAX_VALUE)
        .set(Arg.SEED_MODE, "0").set(Arg.CMD_SEQ, 0).set(Arg.RESERVE, "0"));
    assertThat(forever.status()).isEqualTo(Status.APPLIED);
    assertThat(forever.openUntil() - clock).isEqualTo(1L << 40);
    assertThat(call(args(LuaScripts.READ, "n1")).status()).isEqualTo(Status.OK);
    client.getKeys().delete(keys.scriptKeys("b").stream().map(Object::toString).toArray(String[]::new));
    LuaScripts.ArgList seed = args(LuaScripts.FLUSH, "n1").set(Arg.SEQ, 0).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, "1").set(Arg.EPOCH, 0);
    config.seed(seed, State.OPEN, 9, Long.MAX_VALUE, 1, "");
    assertThat(call(seed).state()).isEqualTo(State.OPEN);
  }

  /**
   * COUNT_BASED window entries that contradict the totals (more failures than the window holds,
   * an entry the scripts never write): the flush that meets one empties the window and says so
   * once (REPAIRED); the totals never go negative and the next flush finds nothing to repair.
   */
  @ParameterizedTest
  @ValueSource(strings = {"f1000 1", "garbage", "m5,9,0,0 1", "s0 1"})
  void aCountWindowEntryThatContradictsTheTotalsEmptiesTheWindowOnce(String entry) {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s3f1");
    client.getList(keys.windowKey("b"), StringCodec.INSTANCE).set(0, entry);

    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|s3");

    assertThat(view.flags()).contains(Flag.REPAIRED);
    assertThat(view.calls()).isBetween(0L, 4L);
    assertThat(view.failures()).isBetween(0L, view.calls());
    assertThat(view.state()).isEqualTo(State.CLOSED);
    assertThat(flush("n1", 3, "0", config, "0|0,0,0,0|s3").flags()).doesNotContain(Flag.REPAIRED);
  }

  /** TIME_BASED buckets that held more than the totals counted: emptied once, never negative. */
  @Test
  void aTimeWindowBucketThatContradictsTheTotalsEmptiesTheWindowOnce() {
    SharedConfig config = config(SlidingWindowType.TIME_BASED, 2, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s2");
    clock += 1_000;
    flush("n1", 2, "0", config, "0|0,0,0,0|s1");
    client.getMap(keys.bucketsKey("b"), StringCodec.INSTANCE).put(Long.toString(clock / 1000 - 1), "1 500 0 0");
    clock += 1_000; // the tampered second leaves the window

    SharedView view = flush("n1", 3, "0", config, "0|0,0,0,0|s1");

    assertThat(view.flags()).contains(Flag.REPAIRED);
    assertThat(view.failures()).isBetween(0L, view.calls());
    clock += 1_000;
    assertThat(flush("n1", 4, "0", config, "0|0,0,0,0|s1").flags()).doesNotContain(Flag.REPAIRED);
  }

  /**
   * A key of the wrong type (an operator's SET over the state, the node entries or the window):
   * the script deletes it and answers CORRUPT, the seeding flush that follows works again.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void aKeyOfTheWrongTypeIsDeletedAndTheBreakerReseeded(int key) {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s2");
    String name = keys.scriptKeys("b").get(key).toString();
    client.getKeys().delete(name);
    client.getBucket(name, StringCodec.INSTANCE).set("not a hash");

    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|s1");
    assertThat(view.status()).isEqualTo(Status.CORRUPT);

    assertThat(flush("n1", 3, "1", config, "0|0,0,0,0|s1").status()).isEqualTo(Status.OK);
    assertThat(flush("n1", 4, "0", config, "0|0,0,0,0|s1").status()).isEqualTo(Status.OK);
  }

  /**
   * No script's work depends on a stored number it has not bounded: a TIME_BASED window whose
   * size was set to 20 million seconds, last written 10 million seconds ago, is advanced over the
   * buckets it holds, not over every second of the gap (20,000 HMGETs of 500 seconds each).
   */
  @Test
  void aTimeWindowOfATamperedSizeAdvancesOverTheBucketsItHoldsNotTheSeconds(@Dedicated RedisServer own) {
    use(own);
    SharedConfig config = config(SlidingWindowType.TIME_BASED, 2, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s1");
    client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).put("cs", "20000000");
    client.getMap(keys.stateKey("b"), StringCodec.INSTANCE).put("wh", Long.toString(clock / 1000 - 10_000_000));
    long before = commandCalls("hmget");

    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|s1");

    assertThat(view.status()).isEqualTo(Status.OK);
    assertThat(commandCalls("hmget") - before).as("HMGETs run").isLessThanOrEqualTo(1);
  }

  /**
   * The node entries expire ten minutes after the last flush, give or take the minute between
   * renewals: the first flushes of each minute renew their TTL, and a flush whose entry is new
   * does at once (a key recreated after it was lost never stays without one).
   */
  @Test
  void theNodeEntriesTtlIsRenewedOnceAMinuteAndForEveryNewEntry() {
    clock = clock / 60_000 * 60_000 + 1_000; // a second into a minute
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    RBucket<String> nodes = client.getBucket(keys.nodesKey("b"), StringCodec.INSTANCE);
    flush("n1", 1, "1", config, "0|0,0,0,0|s1");
    assertThat(nodes.remainTimeToLive()).as("the first flush").isGreaterThan(590_000);

    nodes.expire(Duration.ofSeconds(100));
    clock += 30_000;
    flush("n1", 2, "0", config, "0|0,0,0,0|s1");
    assertThat(nodes.remainTimeToLive()).as("renewed 30 s ago").isLessThanOrEqualTo(100_000);
    flush("n2", 1, "0", config, "0|0,0,0,0|s1");
    assertThat(nodes.remainTimeToLive()).as("a new node's entry").isGreaterThan(590_000);

    nodes.expire(Duration.ofSeconds(100));
    clock += 61_000;
    flush("n1", 3, "0", config, "0|0,0,0,0|s1");
    assertThat(nodes.remainTimeToLive()).as("a minute later").isGreaterThan(590_000);

    nodes.delete();
    flush("n1", 4, "0", config, "0|0,0,0,0|s1");
    assertThat(nodes.remainTimeToLive()).as("recreated").isGreaterThan(590_000);
  }

  @Test
  void aWindowWhoseDataWasLostForgetsItsTotalsInsteadOfKeepingPhantomCalls() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 10, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|s2f2");
    client.getBucket(keys.windowKey("b"), StringCodec.INSTANCE).delete();

    SharedView view = flush("n1", 2, "0", config, "0|0,0,0,0|f1");

    assertThat(view.calls()).isEqualTo(1);
    assertThat(view.failures()).isEqualTo(1);
  }

  @Test
  void aStateBehindWhatANodeKnewIsReseededWithTheNodesKnowledge() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config);
    LuaScripts.ArgList args = args(LuaScripts.FLUSH, "n1").set(Arg.SEQ, 0).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, "2").set(Arg.EPOCH, 0);
    config.seed(args, State.OPEN, 7, 30_000, 2, "n1");

    SharedView view = call(args);

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.version()).isEqualTo(8);
    assertThat(view.attempts()).isEqualTo(2);
    assertThat(view.holder()).isEqualTo("n1");
    assertThat(view.openUntil() - view.serverNow()).isBetween(29_000L, 30_000L);
  }

  /** n2 writes back what it knew of a breaker Redis lost: {@code state} at {@code version}, held by {@code holder}. */
  private SharedView seedLost(SharedConfig config, State state, long version, String holder) {
    client.getKeys().flushdb();
    LuaScripts.ArgList args = args(LuaScripts.FLUSH, "n2").set(Arg.SEQ, 0).set(Arg.RENEW, 0)
        .set(Arg.SEED_MODE, "1").set(Arg.EPOCH, 0);
    config.seed(args, state, version, 0, 1, holder);
    return call(args);
  }

  /**
   * Redis restarted empty while n1 held the reservation of the next trial episode, and n2 wrote
   * back what it knew. The reservation stays n1's: n2 does not take the episode (n1 may be running
   * its trial calls ahead of Redis already), and n1's start, sent over the version it knew, begins it.
   */
  @Test
  void aSeedByAnotherNodeKeepsTheReservationAndItsHoldersStartBeginsTheEpisode() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    clock += 10_000;

    SharedView seeded = seedLost(config, State.OPEN, open.version(), "n1");
    assertThat(seeded.state()).isEqualTo(State.OPEN);
    assertThat(seeded.version()).isEqualTo(open.version() + 1);
    assertThat(seeded.holder()).isEqualTo("n1");
    assertThat(claim("n2", "lease", 0).status()).as("reserved for n1").isEqualTo(Status.DENIED);

    SharedView started = claim("n1", "start", open.version());
    assertThat(started.status()).as("n1's start over the version it knew").isEqualTo(Status.GRANTED);
    assertThat(started.state()).isEqualTo(State.HALF_OPEN);
    assertThat(started.holder()).isEqualTo("n1");
    assertThat(verdict("n1", started.version(), "CLOSED").status()).isEqualTo(Status.APPLIED);
  }

  /** As above, with n1 in the middle of its trial episode: its lease and its verdict stand. */
  @Test
  void aSeedByAnotherNodeKeepsTheTrialLeaseAndItsHoldersVerdictApplies() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    SharedView open = flush("n1", 1, "1", config, "0|0,0,0,0|f4");
    clock += 10_000;
    SharedView episode = claim("n1", "start", open.version());

    SharedView seeded = seedLost(config, State.HALF_OPEN, episode.version(), "n1");
    assertThat(seeded.state()).isEqualTo(State.HALF_OPEN);
    assertThat(seeded.holder()).isEqualTo("n1");
    assertThat(claim("n2", "lease", 0).status()).as("n1's lease holds").isEqualTo(Status.DENIED);

    assertThat(verdict("n2", episode.version(), "CLOSED").status()).isEqualTo(Status.STALE);
    SharedView closed = verdict("n1", episode.version(), "CLOSED");
    assertThat(closed.status()).isEqualTo(Status.APPLIED);
    assertThat(closed.state()).isEqualTo(State.CLOSED);
  }

  /** Nobody's lease known: a HALF_OPEN episode cannot be resumed, and anyone may take the next. */
  @Test
  void aSeedOfAnEpisodeWithoutKnownHolderIsOpenAndFree() {
    SharedConfig config = config(SlidingWindowType.COUNT_BASED, 4, 1);
    flush("n1", 1, "1", config, "0|0,0,0,0|f4");

    SharedView seeded = seedLost(config, State.HALF_OPEN, 3, "");
    assertThat(seeded.state()).isEqualTo(State.OPEN);
    assertThat(seeded.holder()).isEmpty();
    assertThat(claim("n2", "lease", 0).status()).isEqualTo(Status.GRANTED);
  }
}
