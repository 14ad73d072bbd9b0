package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisException;
import org.redisson.client.RedisResponseTimeoutException;

/** What a pipeline's replies say of Redis, and which call gets which reply, without a Redis. */
class RepliesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SyncMeters meters = new SyncMeters(registry, "p", "n1", () -> SyncMode.SHARED);
  private final AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(100));
  private final FleetClock clock = new FleetClock(nanos::get);
  private final List<String> fixesAskedFor = new ArrayList<>();
  private final Replies replies = new Replies(meters, clock, "p", nanos::get, fixesAskedFor::add);
  /** What each test call was given, in order: "name:reply v<version>" or "name:failure". */
  private final List<String> given = new ArrayList<>();

  private Batch.Call call(String name, LuaScripts.Request request) {
    LuaScripts.ArgList args = LuaScripts.call(request).set(LuaScripts.Arg.NAME, name);
    return new Batch.Call(args, name, (view, sent) -> given.add(name + ":reply v" + view.version()),
        () -> given.add(name + ":failure"));
  }

  private Batch.Call read(String name) {
    return call(name, new LuaScripts.Read());
  }

  private Batch.Call verdict(String name) {
    return call(name, new LuaScripts.Verdict(4, State.CLOSED));
  }

  /** A well-formed script reply of version {@code version}, Redis TIME {@code redisTime}, offset 0. */
  private static List<Object> view(long version, long redisTime) {
    return new ArrayList<>(List.of("OK", "CLOSED", Long.toString(version), "CLOSED", "0", "0", "1", "", "0", "0",
        "1001", "20", "0", "0", "0", "1", "0", "abcd", "", "", "n1", Long.toString(redisTime), "0"));
  }

  private static List<Object> replies(Object... replies) {
    return Arrays.asList(replies);
  }

  private double failures(String kind) {
    var counter = registry.find("r4jredis.state.sync.failures").tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aPipelineOfWritesWhoseScriptsAnsweredDidTheWork() {
    List<Batch.Call> calls = List.of(verdict("a"), verdict("b"));
    List<Object> results = replies(view(3, 50_000), view(8, 50_000));

    Replies.Verdict verdict = Replies.verdict(calls, results);
    replies.apply(calls, results, nanos.get(), nanos.get() + 1_000_000);

    assertThat(Replies.needsHeartbeat(calls)).isFalse();
    assertThat(verdict.refusal()).isNull();
    assertThat(verdict.heartbeatFailure()).isNull();
    assertThat(verdict.noScript()).isFalse();
    assertThat(given).containsExactly("a:reply v3", "b:reply v8");
  }

  /**
   * One refusal among the replies makes the pipeline count as Redis not doing the work (a Redis
   * that answers and cannot write is as good as down), and the replies that came are applied.
   */
  @Test
  void aRefusalAmongTheRepliesIsRedisNotDoingTheWorkAndTheRestIsAppliedAnyway() {
    List<Batch.Call> calls = List.of(verdict("a"), verdict("b"));
    List<Object> results = replies(view(3, 50_000),
        new RedisException("READONLY You can't write against a read only replica."));

    Replies.Verdict verdict = Replies.verdict(calls, results);
    replies.apply(calls, results, nanos.get(), nanos.get());

    assertThat(verdict.refusal()).isEqualTo("READONLY");
    assertThat(verdict.why()).isEqualTo("Redis refuses the work: READONLY You can't write against a read only replica.");
    assertThat(given).containsExactly("a:reply v3", "b:failure");
    assertThat(failures("script")).as("a refusal is no script failure").isZero();
  }

  /** Reads alone write nothing that could be refused: the heartbeat after them tells. */
  @Test
  void aPipelineOfReadsDidTheWorkOnlyIfItsHeartbeatWasWritten() {
    List<Batch.Call> calls = List.of(read("a"));
    assertThat(Replies.needsHeartbeat(calls)).isTrue();

    Replies.Verdict written = Replies.verdict(calls, replies(view(3, 50_000), "OK"));
    assertThat(written.refusal()).isNull();
    assertThat(written.heartbeatFailure()).isNull();
    RedisException oom = new RedisException("OOM command not allowed when used memory > 'maxmemory'.");
    Replies.Verdict refused = Replies.verdict(calls, replies(view(3, 50_000), oom));
    assertThat(refused.refusal()).isEqualTo("OOM");
    RedisResponseTimeoutException late = new RedisResponseTimeoutException("no reply");
    Replies.Verdict unanswered = Replies.verdict(calls, replies(view(3, 50_000), late));
    assertThat(unanswered.heartbeatFailure()).isSameAs(late);
    assertThat(unanswered.refusal()).isNull();
  }

  /** A Redis without the scripts did not do the work, and must be given them again. */
  @Test
  void noScriptIsToldAndItsCallFails() {
    List<Batch.Call> calls = List.of(verdict("a"), verdict("b"));
    List<Object> results = replies(view(3, 50_000),
        new RedisException("NOSCRIPT No matching script. Please use EVAL."));

    Replies.Verdict verdict = Replies.verdict(calls, results);
    replies.apply(calls, results, nanos.get(), nanos.get());

    assertThat(verdict.noScript()).isTrue();
    assertThat(verdict.refusal()).isEqualTo("NOSCRIPT");
    assertThat(given).containsExactly("a:reply v3", "b:failure");
    assertThat(failures("script")).isZero();
  }

  /** Calls after the pipeline's deadline are one timeout, not one script failure each. */
  @Test
  void callsWithoutAnswerInTimeAreOneTimeoutOfThePipeline() {
    List<Batch.Call> calls = List.of(verdict("a"), verdict("b"), verdict("c"));
    RedisResponseTimeoutException late = new RedisResponseTimeoutException("Redis server response timeout (312 ms)");
    List<Object> results = replies(view(3, 50_000), late, late);

    replies.apply(calls, results, nanos.get(), nanos.get());

    assertThat(given).containsExactly("a:reply v3", "b:failure", "c:failure");
    assertThat(failures("timeout")).isEqualTo(1);
    assertThat(failures("script")).isZero();
  }

  @Test
  void aFailedScriptAndAMalformedReplyFailTheirCallAndAreCounted() {
    List<Batch.Call> calls = List.of(verdict("a"), verdict("b"), verdict("c"));
    List<Object> malformed = view(5, 50_000);
    malformed.set(1, "SIDEWAYS");
    List<Object> results = replies(new RedisException("ERR user_script:12: attempt to compare nil with number"),
        malformed, view(4, 50_000));

    replies.apply(calls, results, nanos.get(), nanos.get());
    replies.apply(calls, results, nanos.get(), nanos.get());

    assertThat(given).containsExactly("a:failure", "b:failure", "c:reply v4", "a:failure", "b:failure", "c:reply v4");
    assertThat(failures("script")).isEqualTo(2);
    assertThat(registry.find("r4jredis.state.messages.rejected").tag("reason", "malformed-reply").counter().count())
        .isEqualTo(2);
  }

  /**
   * A reply whose Redis TIME jumped (a failover to a server whose clock is off) is counted, and the
   * breaker's offset fix waits for its next script; a script that ran on a test clock tells nothing.
   */
  @Test
  void aJumpOfRedisTimeIsCountedAndItsFixWaitsForTheBreakersNextScript() {
    long sent = nanos.get();
    replies.apply(List.of(read("a")), replies(view(3, 50_000), "OK"), sent, sent + 2_000_000);
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
    long later = nanos.get();
    replies.apply(List.of(read("a")), replies(view(3, 80_100), "OK"), later, later + 2_000_000); // 30 s ahead

    assertThat(registry.find("r4jredis.state.redis.time.jumps").counter().count()).isEqualTo(1);
    assertThat(fixesAskedFor).containsExactly("a");
    assertThat(clock.takeFix("a")).startsWith("0 -");
    assertThat(clock.takeFix("a")).as("given once").isNull();

    Batch.Call onTestClock = new Batch.Call(LuaScripts.call(new LuaScripts.Read())
        .set(LuaScripts.Arg.CLOCK, "1000"), "b", (v, t) -> { }, () -> { });
    replies.apply(List.of(onTestClock), replies(view(1, 10), "OK"), later, later);
    replies.apply(List.of(onTestClock), replies(view(1, 90_000_000), "OK"), later, later);
    assertThat(registry.find("r4jredis.state.redis.time.jumps").counter().count()).isEqualTo(1);
  }
}
