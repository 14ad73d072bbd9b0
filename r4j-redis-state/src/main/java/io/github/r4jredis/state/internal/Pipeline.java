package io.github.r4jredis.state.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RScriptAsync;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a node's script calls to Redis in one pipeline, and tells each call's reply or failure
 * apart: a Redisson batch "succeeds" even when every command in it failed, and its future may
 * complete before those of its commands. Consecutive calls of one script for breakers of one
 * hash slot (every breaker, off a Cluster) go as one script call carrying up to
 * {@value #MAX_BREAKERS_PER_SCRIPT} breakers (see many.lua): Redis runs one EVALSHA and reads
 * TIME once for them, which is most of what a held flush costs it. Off a Cluster a pipeline may
 * load the scripts first (see {@link #execute}); on one, {@link #loadScripts} loads them
 * on every master. Thread-safe.
 */
final class Pipeline {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private static final Duration HEARTBEAT_TTL = Duration.ofMinutes(1);

  /**
   * Breakers one script call carries at most: enough that EVALSHA and TIME cost next to nothing
   * per breaker, few enough that a call of flushes never holds Redis up for long.
   */
  static final int MAX_BREAKERS_PER_SCRIPT = 50;

  /**
   * Arguments one script call carries at most (a held flush has about 30, one with a large
   * COUNT_BASED window's runs up to 64 + the window size): other clients' commands run between
   * script calls, never inside one.
   */
  static final int MAX_ARGUMENTS_PER_SCRIPT = 2_000;

  /** The status of a breaker's reply in a call of many whose part failed (many.lua). */
  private static final String PART_FAILED = "ERROR";

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final String nodeId;
  private final Executor io;
  private final LongSupplier serverNow;
  private final boolean cluster;
  /** Set when a proxy refused keys of several slots in one call (see {@link #many}). */
  private volatile boolean slotsOnly;
  /** Set once Redis answered a pipeline: the client has connected (see {@link #send}). */
  private volatile boolean connected;

  /**
   * @param io where {@link #loadScripts}, and {@link #send} until Redis first answers, call Redisson
   * @param serverNow the fleet's time, written by the heartbeat
   */
  Pipeline(RedissonClient redisson, KeySpace keys, String nodeId, Executor io, LongSupplier serverNow) {
    this.redisson = redisson;
    this.keys = keys;
    this.nodeId = nodeId;
    this.io = io;
    this.serverNow = serverNow;
    this.cluster = redisson.getConfig().isClusterConfig();
  }

  /**
   * As {@link #execute}: from the io thread (see {@link #offload}) until Redis first answered,
   * then from the calling thread. A client that connected once never connects synchronously
   * again (Redisson reconnects in the background), and handing every pipeline to another thread
   * woke one more thread per round trip, the eager flush of failures included.
   */
  CompletableFuture<List<Object>> send(List<Batch.Call> calls, long responseMillis, boolean heartbeat,
      boolean loadFirst) {
    if (connected) {
      try {
        return execute(calls, responseMillis, heartbeat, loadFirst);
      } catch (RuntimeException e) {
        // As from the io thread: a failed pipeline, never an exception that leaves the sync
        // thread with a pipeline "in flight" for ever.
        return CompletableFuture.failedFuture(new CompletionException(e));
      }
    }
    CompletableFuture<List<Object>> replies = offload(() -> execute(calls, responseMillis, heartbeat, loadFirst));
    replies.thenRun(() -> connected = true);
    return replies;
  }

  /**
   * Whether a pipeline {@code loadFirst} runs on a Redis that lost its scripts: off a Cluster, where
   * one server runs every call. A Cluster's masters each need them: {@link #loadScripts} first,
   * which loads them on every master.
   */
  boolean loadsInPipeline() {
    return !cluster;
  }

  /** Loads every script (from the io thread); completes when Redis has them all. */
  CompletableFuture<Void> loadScripts() {
    return offload(() -> {
      List<CompletableFuture<String>> loads = new ArrayList<>();
      RScript script = redisson.getScript(StringCodec.INSTANCE);
      for (LuaScripts lua : LuaScripts.values()) {
        loads.add(script.scriptLoadAsync(lua.text()).toCompletableFuture());
      }
      return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
    });
  }

  /**
   * Runs a Redisson call on the io thread: a client built with lazy initialization connects on
   * first use, synchronously, and that must never hold up the sync thread's clock.
   */
  private <T> CompletableFuture<T> offload(Supplier<CompletableFuture<T>> action) {
    return CompletableFuture.supplyAsync(action, io).thenCompose(Function.identity());
  }

  /**
   * Sends calls in one pipeline. The future completes with one element per call, its reply or
   * its failure (and with {@code heartbeat}, one more: the heartbeat write's); exceptionally only
   * when the pipeline as a whole failed. Operator commands wait longer than the sync's own calls:
   * they are not on anyone's call path, and giving up on them turns a fleet-wide transition into
   * a local one.
   *
   * <p>{@code loadFirst} (off a Cluster, see {@link #loadsInPipeline}): the pipeline first loads
   * every script (SCRIPT LOAD). Redis mostly runs what one client's pipeline brought in one read
   * before it serves another client (it reads 16 KB at a time; the loads alone are over 100 KB),
   * so a Redis whose script cache was emptied (restart, failover, SCRIPT FLUSH) runs the calls
   * after them, and even one that another client empties over and over runs most of them; a call
   * that loses the race fails with NOSCRIPT and goes again. (Not EVAL: Redisson turns it into EVALSHA, sent after a SCRIPT LOAD of its own,
   * a round trip earlier, once per script for the life of the client.)
   */
  CompletableFuture<List<Object>> execute(List<Batch.Call> calls, long responseMillis, boolean heartbeat,
      boolean loadFirst) {
    RBatch batch = redisson.createBatch(BatchOptions.defaults()
        .responseTimeout(responseMillis, TimeUnit.MILLISECONDS)
        .retryAttempts(0));
    List<CompletableFuture<Object>> futures = new ArrayList<>(calls.size() + 1);
    CompletableFuture<Object> beat = null;
    if (heartbeat) {
      // A write as small as they come, for a pipeline of reads: a Redis that answers reads but
      // refuses writes (full, read-only, failed save, revoked ACL) fails it, and so counts as down.
      beat = batch.getBucket(keys.heartbeatKey(nodeId), StringCodec.INSTANCE)
          .setAsync(Long.toString(serverNow.getAsLong()), HEARTBEAT_TTL).thenApply(v -> (Object) "OK").toCompletableFuture();
    }
    List<String> created = new ArrayList<>();
    for (Batch.Call call : calls) {
      if (call.creates()) {
        created.add(call.encodedName());
      }
    }
    if (!created.isEmpty()) {
      // Listing and the CLI find breakers through this set (another slot on a Cluster, so not
      // inside the script). Idempotent. Sent before the scripts: Redis runs a pipeline in order,
      // so a breaker's state never exists unlisted, even when the rest of the pipeline is lost.
      batch.getSet(keys.indexKey(), StringCodec.INSTANCE).addAllAsync(created);
    }
    RScriptAsync script = batch.getScript(StringCodec.INSTANCE);
    if (loadFirst && !cluster) {
      // Every script, not only this pipeline's: the next pipelines, which do not load them, may
      // carry a trial episode's claim or verdict, and losing one to NOSCRIPT costs the fleet an
      // episode.
      for (LuaScripts lua : LuaScripts.values()) {
        script.scriptLoadAsync(lua.text());
      }
    }
    for (int from = 0; from < calls.size(); ) {
      int to = groupEnd(calls, from);
      if (to - from == 1) {
        Batch.Call call = calls.get(from);
        List<Object> callKeys = keys.scriptKeys(call.encodedName());
        futures.add(script.evalShaAsync((String) callKeys.get(0), RScript.Mode.READ_WRITE,
            call.script().sha(), RScript.ReturnType.LIST, callKeys, call.args().toList().toArray())
            .toCompletableFuture());
      } else {
        futures.addAll(many(script, calls.subList(from, to)));
      }
      from = to;
    }
    if (beat != null) {
      futures.add(beat);
    }
    // The batch's future may complete before the futures of its commands do (they complete on
    // the reply's thread, one after the other): wait for them too, briefly, so no reply is
    // taken for missing.
    CompletableFuture<?> all = CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new));
    CompletableFuture<?> sent;
    try {
      sent = batch.executeAsync().toCompletableFuture();
    } catch (RuntimeException e) {
      // A client that cannot connect (lazy initialization) throws here rather than failing the future.
      return CompletableFuture.failedFuture(new CompletionException(e));
    }
    return sent
        .handle((result, error) -> error)
        .thenCompose(error -> all.handle((v, t) -> error).completeOnTimeout(error, responseMillis, TimeUnit.MILLISECONDS))
        .thenApply(error -> {
          if (error != null && futures.stream().noneMatch(f -> f.isDone() && !f.isCompletedExceptionally())) {
            throw new CompletionException(error);
          }
          Throwable missing = error != null ? error
              : new RedisTimeoutException("no reply within the pipeline's response timeout (" + responseMillis + " ms)");
          List<Object> replies = new ArrayList<>(futures.size());
          for (CompletableFuture<Object> future : futures) {
            replies.add(future.handle((value, failure) -> failure != null ? (Object) unwrap(failure) : value)
                .getNow(missing));
          }
          return replies;
        });
  }

  /** Where the group of calls that may share a script call with {@code calls[from]} ends. */
  private int groupEnd(List<Batch.Call> calls, int from) {
    Batch.Call first = calls.get(from);
    boolean bySlot = cluster || slotsOnly;
    int slot = bySlot ? KeySpace.slot(first.encodedName()) : 0;
    int arguments = first.args().size();
    int to = from + 1;
    while (to < calls.size() && to - from < MAX_BREAKERS_PER_SCRIPT && calls.get(to).script() == first.script()
        && arguments + calls.get(to).args().size() <= MAX_ARGUMENTS_PER_SCRIPT
        && (!bySlot || KeySpace.slot(calls.get(to).encodedName()) == slot)) {
      arguments += calls.get(to).args().size();
      to++;
    }
    return to;
  }

  /**
   * One script call for {@code group} (one script, one slot; see many.lua), and a future per
   * call of the group: its part of the reply, or the failure of its part or of the whole.
   */
  private List<CompletableFuture<Object>> many(RScriptAsync script, List<Batch.Call> group) {
    List<Object> allKeys = new ArrayList<>(group.size() * 4);
    List<Object> allArgs = new ArrayList<>();
    allArgs.add("*");
    allArgs.add(Integer.toString(group.size()));
    for (Batch.Call call : group) {
      allKeys.addAll(keys.scriptKeys(call.encodedName()));
      List<String> args = call.args().toList();
      allArgs.add(Integer.toString(args.size()));
      allArgs.addAll(args);
    }
    CompletableFuture<Object> whole = script.evalShaAsync((String) allKeys.get(0), RScript.Mode.READ_WRITE,
        group.get(0).script().sha(), RScript.ReturnType.LIST, allKeys, allArgs.toArray()).toCompletableFuture();
    whole.whenComplete((reply, failure) -> {
      if (failure != null && !slotsOnly && String.valueOf(unwrap(failure).getMessage()).contains("CROSSSLOT")) {
        // Not a Cluster to Redisson, yet the keys of one call must share a slot: a proxy in front
        // of shards (a sharded database behind one endpoint). These calls fail once; from now on
        // only breakers of one slot share a call.
        slotsOnly = true;
        LOG.info("Redis refused one script call for breakers of several hash slots (CROSSSLOT): from now on"
            + " only breakers of one slot share a script call");
      }
    });
    List<CompletableFuture<Object>> parts = new ArrayList<>(group.size());
    for (int i = 0; i < group.size(); i++) {
      int index = i;
      parts.add(whole.thenApply(reply -> part(reply, index, group.size())));
    }
    return parts;
  }

  private static Object part(Object reply, int index, int size) {
    if (!(reply instanceof List<?> replies) || replies.size() != size) {
      throw new RedisException("a call of " + size + " breakers answered " + reply);
    }
    Object part = replies.get(index);
    if (part instanceof List<?> fields && fields.size() == 2 && PART_FAILED.equals(fields.get(0))) {
      throw new RedisException(String.valueOf(fields.get(1)));
    }
    return part;
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }
}
