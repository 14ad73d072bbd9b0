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
import org.redisson.client.codec.StringCodec;

/**
 * Sends a node's script calls to Redis in one pipeline, and tells each call's reply or failure
 * apart: a Redisson batch "succeeds" even when every command in it failed, and its future may
 * complete before those of its commands. Also loads the scripts. Thread-safe.
 */
final class Pipeline {

  private static final Duration HEARTBEAT_TTL = Duration.ofMinutes(1);

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final String nodeId;
  private final Executor io;
  private final LongSupplier serverNow;

  /**
   * @param io where {@link #send} and {@link #loadScripts} call Redisson
   * @param serverNow the fleet's time, written by the heartbeat
   */
  Pipeline(RedissonClient redisson, KeySpace keys, String nodeId, Executor io, LongSupplier serverNow) {
    this.redisson = redisson;
    this.keys = keys;
    this.nodeId = nodeId;
    this.io = io;
    this.serverNow = serverNow;
  }

  /** As {@link #execute}, called from the io thread (see {@link #offload}). */
  CompletableFuture<List<Object>> send(List<SyncEngine.Call> calls, long responseMillis, boolean heartbeat) {
    return offload(() -> execute(calls, responseMillis, heartbeat));
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
   */
  CompletableFuture<List<Object>> execute(List<SyncEngine.Call> calls, long responseMillis, boolean heartbeat) {
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
    for (SyncEngine.Call call : calls) {
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
    for (SyncEngine.Call call : calls) {
      List<Object> callKeys = keys.scriptKeys(call.encodedName());
      RFuture<Object> future = script.evalShaAsync((String) callKeys.get(0), RScript.Mode.READ_WRITE,
          call.script().sha(), RScript.ReturnType.LIST, callKeys, call.args().toList().toArray());
      futures.add(future.toCompletableFuture());
    }
    if (beat != null) {
      futures.add(beat);
    }
    // The batch's future may complete before the futures of its commands do (they complete on
    // the reply's thread, one after the other): wait for them too, briefly, so no reply is
    // taken for missing.
    CompletableFuture<?> all = CompletableFuture.allOf(futures.toArray(CompletableFuture<?>[]::new));
    return batch.executeAsync().toCompletableFuture()
        .handle((result, error) -> error)
        .thenCompose(error -> all.handle((v, t) -> error).completeOnTimeout(error, responseMillis, TimeUnit.MILLISECONDS))
        .thenApply(error -> {
          if (error != null && futures.stream().noneMatch(f -> f.isDone() && !f.isCompletedExceptionally())) {
            throw new CompletionException(error);
          }
          Throwable missing = error != null ? error : new IllegalStateException("no reply in the pipeline");
          List<Object> replies = new ArrayList<>(futures.size());
          for (CompletableFuture<Object> future : futures) {
            replies.add(future.handle((value, failure) -> failure != null ? (Object) failure : value).getNow(missing));
          }
          return replies;
        });
  }
}
