package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators' calls, run on the calling thread: a read or a command on one breaker, and the read
 * of every breaker under the prefix. Not on the call path, so each waits up to four command
 * timeouts (at least 2 s: a client built with lazy initialization connects on first use); a
 * script Redis does not know yet is loaded and tried again; a listing with breakers silently
 * missing is never returned. Thread-safe.
 */
final class AdminCalls {

  private static final Logger LOG = LoggerFactory.getLogger(AdminCalls.class);
  /** Breakers read per pipeline when listing them all. */
  static final int READ_ALL_SLICE = 500;

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final Pipeline pipeline;
  private final SyncMeters meters;
  private final long timeoutMillis;
  private final Runnable scriptsLost;

  /**
   * @param scriptsLost told when Redis did not know a script: the sync thread reloads them all
   */
  AdminCalls(RedissonClient redisson, KeySpace keys, Pipeline pipeline, SyncMeters meters, long commandMillis,
      Runnable scriptsLost) {
    this.redisson = redisson;
    this.keys = keys;
    this.pipeline = pipeline;
    this.meters = meters;
    this.timeoutMillis = Math.max(commandMillis * 4, 2_000);
    this.scriptsLost = scriptsLost;
  }

  /** How long an operator's call may wait for Redis. */
  long timeoutMillis() {
    return timeoutMillis;
  }

  /** Runs one call; its reply, or null when Redis did not answer in time or the call failed. */
  @Nullable SharedView call(SyncEngine.Call call) {
    return call(call, true);
  }

  private @Nullable SharedView call(SyncEngine.Call call, boolean first) {
    Object reply;
    try {
      reply = pipeline.execute(List.of(call), timeoutMillis, false, !first)
          .get(timeoutMillis, TimeUnit.MILLISECONDS).get(0);
    } catch (ExecutionException e) {
      if (!Refusals.isNoScript(e)) {
        return null; // Redis unreachable or slow: the caller degrades, the sync thread reports it
      }
      reply = e.getCause(); // a pipeline of one fails as a whole when its one call fails
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    if (!(reply instanceof Throwable failure)) {
      return parse(reply, meters); // an operator's call: the sync thread keeps the clock estimate
    }
    if (!Refusals.isNoScript(failure)) {
      LOG.warn("Script {} for breaker {} failed", call.script(), call.encodedName(), failure);
      return null;
    }
    // Redis lost its script cache (restart, SCRIPT FLUSH), or this call beat the sync thread's
    // first load: the sync thread reloads them all; an operator's call tries once more, loading
    // its script first (in the same pipeline, or on a Cluster on every master before).
    scriptsLost.run();
    if (!first) {
      return null;
    }
    if (pipeline.loadsInPipeline()) {
      return call(call, false);
    }
    try {
      redisson.getScript(StringCodec.INSTANCE).scriptLoadAsync(call.script().text())
          .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    return call(call, false);
  }

  /**
   * Every breaker Redis knows under this prefix, with its shared state, read in slices (each with
   * its own deadline: one pipeline of 10,000 scripts on a busy machine would make the answer depend
   * on the registry's size rather than on Redis' health). A read that fails (its connection
   * dropped by another command's timeout) is tried again, up to three times in all.
   *
   * @param read the read of a breaker, by encoded name
   * @throws IllegalStateException when Redis does not list the breakers or answer every read in time
   */
  Map<String, SharedView> readAll(Function<String, SyncEngine.Call> read) {
    Collection<String> names;
    try {
      names = redisson.<String>getSet(keys.indexKey(), StringCodec.INSTANCE).readAllAsync()
          .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Redis did not list the breakers under " + keys.indexKey(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while listing breakers", e);
    }
    List<SyncEngine.Call> calls = new ArrayList<>();
    List<String> valid = new ArrayList<>();
    for (String encoded : names) {
      try {
        KeySpace.decode(encoded);
      } catch (IllegalArgumentException e) {
        meters.rejected("malformed");
        continue;
      }
      valid.add(encoded);
      calls.add(read.apply(encoded));
    }
    Map<String, SharedView> result = new LinkedHashMap<>();
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      pending.add(i);
    }
    for (int attempt = 0; attempt < 3 && !pending.isEmpty(); attempt++) {
      List<Integer> failed = new ArrayList<>();
      for (int from = 0; from < pending.size(); from += READ_ALL_SLICE) {
        List<Integer> slice = pending.subList(from, Math.min(from + READ_ALL_SLICE, pending.size()));
        List<Object> replies;
        try {
          replies = pipeline.execute(slice.stream().map(calls::get).toList(), timeoutMillis, false, false)
              .get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          failed.addAll(slice);
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Interrupted while reading breakers", e);
        }
        for (int k = 0; k < slice.size(); k++) {
          Object reply = replies.get(k);
          SharedView view = reply instanceof Throwable || reply == null ? null : parse(reply, meters);
          if (view == null) {
            failed.add(slice.get(k));
          } else if (!view.isMissing()) {
            result.put(KeySpace.decode(valid.get(slice.get(k))), view);
          }
        }
      }
      pending = failed;
    }
    if (!pending.isEmpty()) {
      throw new IllegalStateException("Redis did not answer the reads of " + pending.size() + " of "
          + calls.size() + " breakers under " + keys.indexKey());
    }
    return result;
  }

  /** A script's reply as a view; null (counted and logged) when it is malformed. */
  static @Nullable SharedView parse(Object reply, SyncMeters meters) {
    try {
      return SharedView.fromReply((List<?>) reply);
    } catch (IllegalArgumentException | ClassCastException e) {
      meters.rejected("malformed-reply");
      LOG.warn("Ignoring a malformed script reply: {}", e.getMessage());
      return null;
    }
  }
}
