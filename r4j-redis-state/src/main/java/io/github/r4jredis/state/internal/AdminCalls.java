package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.RedisStateException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisConnectionException;
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

  /**
   * Runs one call.
   *
   * @return its reply
   * @throws RedisStateException saying why there is none: no answer in time, a refusal (named:
   *     credentials, permissions, or Redis refusing the work), no connection
   */
  SharedView call(Batch.Call call) {
    return call(call, true);
  }

  private SharedView call(Batch.Call call, boolean first) {
    Object reply;
    try {
      reply = within(() -> pipeline.execute(List.of(call), timeoutMillis, false, !first)).get(0);
    } catch (ExecutionException e) {
      if (!Refusals.isNoScript(e)) {
        throw failure(e.getCause()); // the sync thread reports the outage itself
      }
      reply = e.getCause(); // a pipeline of one fails as a whole when its one call fails
    }
    if (!(reply instanceof Throwable failure)) {
      SharedView view = parse(reply, meters); // an operator's call: the sync thread keeps the clock estimate
      if (view == null) {
        throw new RedisStateException("Redis answered with a reply no script of this library produces");
      }
      return view;
    }
    if (!Refusals.isNoScript(failure)) {
      LOG.debug("Script {} for breaker {} failed", call.script(), call.encodedName(), failure);
      throw failure(failure);
    }
    // Redis lost its script cache (restart, SCRIPT FLUSH), or this call beat the sync thread's
    // first load: the sync thread reloads them all; an operator's call tries once more, loading
    // its script first (in the same pipeline, or on a Cluster on every master before).
    scriptsLost.run();
    if (!first) {
      throw failure(failure);
    }
    if (pipeline.loadsInPipeline()) {
      return call(call, false);
    }
    try {
      within(() -> redisson.getScript(StringCodec.INSTANCE).scriptLoadAsync(call.script().text()));
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    }
    return call(call, false);
  }

  /**
   * The answer to {@code call} within the operators' timeout. A failure Redis answered stays an
   * ExecutionException (the caller looks at it); no answer in time, an interrupt, or a client
   * that throws at once (one that cannot connect) is a RedisStateException saying so.
   */
  private <T> T within(Supplier<? extends CompletionStage<T>> call) throws ExecutionException {
    try {
      return call.get().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RedisStateException("Redis did not answer within " + timeoutMillis + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisStateException("Interrupted while waiting for Redis", e);
    } catch (RedisStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  private RedisStateException listing(RedisStateException why) {
    return new RedisStateException("Redis did not list the breakers under " + keys.indexKey() + ": "
        + why.getMessage(), why.getCause() != null ? why.getCause() : why);
  }

  /** Why a call failed, as an operator reads it; never the client's credentials. */
  private static RedisStateException failure(@Nullable Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause == null) {
      return new RedisStateException("Redis failed");
    }
    if (Refusals.code(cause) != null) {
      return new RedisStateException(Refusals.describe(cause), cause);
    }
    if (cause instanceof RedisConnectionException) {
      return new RedisStateException("Cannot connect to Redis: " + Refusals.firstLine(cause), cause);
    }
    if (cause.getClass().getSimpleName().contains("Timeout")) {
      return new RedisStateException("Redis did not answer in time: " + Refusals.firstLine(cause), cause);
    }
    return new RedisStateException("Redis failed: " + Refusals.firstLine(cause), cause);
  }

  /**
   * Every breaker Redis knows under this prefix, with its shared state, read in slices (each with
   * its own deadline: one pipeline of 10,000 scripts on a busy machine would make the answer depend
   * on the registry's size rather than on Redis' health). A read that fails (its connection
   * dropped by another command's timeout) is tried again, up to three times in all.
   *
   * @param read the read of a breaker, by encoded name
   * @throws RedisStateException when Redis does not list the breakers or answer every read in time
   */
  Map<String, SharedView> readAll(Function<String, Batch.Call> read) {
    Collection<String> names;
    try {
      names = within(() -> redisson.<String>getSet(keys.indexKey(), StringCodec.INSTANCE).readAllAsync());
    } catch (ExecutionException e) {
      throw listing(failure(e.getCause()));
    } catch (RedisStateException e) {
      throw listing(e);
    }
    List<Batch.Call> calls = new ArrayList<>();
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
          throw new RedisStateException("Interrupted while reading breakers", e);
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
      throw new RedisStateException("Redis did not answer the reads of " + pending.size() + " of "
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
