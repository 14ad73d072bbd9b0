package io.github.r4jredis.fallback.internal;

import io.github.r4jredis.fallback.FallbackStoreException;
import io.github.r4jredis.fallback.QueueEntry;
import io.github.r4jredis.state.LuaScript;
import io.github.r4jredis.state.RedisClock;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;

/**
 * A retry queue's keys in Redis and the scripts that move its entries between them. All keys
 * share the hash tag {@code {<name>}}, so each move is one atomic script, also on Redis Cluster.
 * Every script gets the same keys, in this order:
 *
 * <pre>
 * KEYS[1] &lt;prefix&gt;:fb:{&lt;name&gt;}:stream       ready operations, read by the consumer group "workers"
 * KEYS[2] &lt;prefix&gt;:fb:{&lt;name&gt;}:queued       ZSET of the keys of queued operations (score: first enqueue ms)
 * KEYS[3] &lt;prefix&gt;:fb:{&lt;name&gt;}:done         ZSET of done keys (score: completion ms), pruned after the retention
 * KEYS[4] &lt;prefix&gt;:fb:{&lt;name&gt;}:delayed      ZSET of operations waiting for their next attempt (score: due ms)
 * KEYS[5] &lt;prefix&gt;:fb:{&lt;name&gt;}:dead         dead-letter stream
 * KEYS[6] &lt;prefix&gt;:fb:{&lt;name&gt;}:review       manual review stream
 * KEYS[7] &lt;prefix&gt;:fb:{&lt;name&gt;}:reviewing    ZSET of the keys under review
 * KEYS[8] &lt;prefix&gt;:fb:{&lt;name&gt;}:resolved     audit stream of resolved reviews (about 10,000 kept)
 * </pre>
 *
 * <p>An operation is always in exactly one of stream, delayed, dead, review (or done), and every
 * script is safe to run twice (Redisson re-sends after a timeout). Every Redis failure is a
 * {@link FallbackStoreException} naming the queue. Stamps and due times are Redis {@code TIME}
 * (see {@link #now}). Thread-safe.
 */
final class QueueStore {

  static final LuaScript ENQUEUE = script("enqueue.lua");
  static final LuaScript COMPLETE = script("complete.lua");
  static final LuaScript RESCHEDULE = script("reschedule.lua");
  static final LuaScript BURY = script("bury.lua");
  static final LuaScript PROMOTE = script("promote.lua");
  static final LuaScript RESOLVE = script("resolve.lua");
  static final LuaScript REQUEUE = script("requeue.lua");
  static final LuaScript STATS = script("stats.lua");

  private final RedissonClient redisson;
  private final String name;
  private final List<Object> keys;
  private final Clock clock;
  /** The fleet's clock, for times Java compares (a queue with a clock of its own: null, that clock). */
  private final @Nullable RedisClock fleet;

  QueueStore(RedissonClient redisson, String prefix, String name, Clock clock) {
    this.redisson = redisson;
    this.name = name;
    this.clock = clock;
    this.fleet = RedisClock.unlessOwn(clock, redisson);
    String tag = prefix + ":fb:{" + name + "}:";
    this.keys = List.of(tag + "stream", tag + "queued", tag + "done", tag + "delayed", tag + "dead", tag + "review",
        tag + "reviewing", tag + "resolved");
  }

  /** A script of this module's {@code lua} folder, after {@code clock.lua}. */
  static LuaScript script(String file) {
    String folder = "/io/github/r4jredis/fallback/lua/";
    return LuaScript.of(LuaScript.resource(QueueStore.class, folder + "clock.lua") + "\n"
        + LuaScript.resource(QueueStore.class, folder + file));
  }

  /**
   * The time argument of a script: empty, so that the script stamps with Redis {@code TIME} (the
   * fleet's clock: a due time one node writes and another reads must not depend on either node's
   * clock), or the queue's own clock when it was given one (tests).
   */
  String now() {
    return fleet != null ? "" : Long.toString(clock.millis());
  }

  /**
   * The fleet's time now (ms), for a stamp one node writes and another compares in Java: Redis
   * {@code TIME} as {@link RedisClock} follows it, or the queue's own clock when it was given one.
   */
  long millis() {
    return fleet != null ? fleet.millis() : clock.millis();
  }

  /** Whether {@link #millis} is the fleet's time: Redis told it, or the queue has a clock of its own. */
  boolean fleetTimeKnown() {
    return fleet == null || fleet.isSynchronized();
  }

  String stream() {
    return keys.get(0).toString();
  }

  String deadLetters() {
    return keys.get(4).toString();
  }

  String review() {
    return keys.get(5).toString();
  }

  /** Runs a queue script with all the queue's keys; the reply as a list (a scalar reply is one element). */
  List<Object> eval(LuaScript script, String what, List<Object> args) {
    Object result;
    try {
      result = script.eval(redisson, RScript.Mode.READ_WRITE, RScript.ReturnType.LIST, keys, args.toArray());
    } catch (RedisException e) {
      throw new FallbackStoreException("Cannot " + what + " on queue " + name + ": " + e.getMessage(), e);
    }
    if (result instanceof List<?> list) {
      return new ArrayList<>(list);
    }
    List<Object> single = new ArrayList<>();
    single.add(result == null ? "" : result);
    return single;
  }

  /** A script's arguments: {@code head}, then each field and its value. */
  static List<Object> args(List<String> head, Map<String, String> fields) {
    List<Object> args = new ArrayList<>(head);
    fields.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return args;
  }

  /** Whether an operation of idempotency key {@code key} was done (within the retention). */
  boolean isDone(String key) {
    try {
      return redisson.getScoredSortedSet(keys.get(2).toString(), StringCodec.INSTANCE).getScore(key) != null;
    } catch (RedisException e) {
      throw new FallbackStoreException("Cannot read the done keys of queue " + name, e);
    }
  }

  /** The first {@code max} entries of the stream {@code key}. */
  List<QueueEntry> range(String key, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, was " + max);
    }
    try {
      Map<StreamMessageId, Map<String, String>> entries = redisson.<String, String>getStream(key, StringCodec.INSTANCE)
          .range(StreamRangeArgs.startId(StreamMessageId.MIN).endId(StreamMessageId.MAX).count(max));
      List<QueueEntry> result = new ArrayList<>();
      entries.forEach((id, fields) -> result.add(toEntry(id.toString(), fields)));
      return result;
    } catch (RedisException e) {
      throw new FallbackStoreException("Cannot read " + key + ": " + e.getMessage(), e);
    }
  }

  /** The entry {@code id} of the stream {@code key}, or null. */
  @Nullable QueueEntry find(String key, String id) {
    StreamMessageId messageId = parseId(Objects.requireNonNull(id, "id"));
    try {
      Map<StreamMessageId, Map<String, String>> entries = redisson.<String, String>getStream(key, StringCodec.INSTANCE)
          .range(StreamRangeArgs.startId(messageId).endId(messageId).count(1));
      return entries.isEmpty() ? null : toEntry(id, entries.values().iterator().next());
    } catch (RedisException e) {
      throw new FallbackStoreException("Cannot read " + key + ": " + e.getMessage(), e);
    }
  }

  private static StreamMessageId parseId(String id) {
    String[] parts = id.split("-", -1);
    try {
      if (parts.length == 2) {
        return new StreamMessageId(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("not a stream entry id (like 1700000000000-0): '" + id + "'");
  }

  static QueueEntry toEntry(String id, Map<String, String> fields, Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(fields);
    all.putAll(extra);
    return toEntry(id, all);
  }

  static QueueEntry toEntry(String id, Map<String, String> fields) {
    Map<String, String> context = new LinkedHashMap<>(Json.readMap(fields.getOrDefault("context", "")));
    String lastError = fields.getOrDefault("lastError", "");
    if (!lastError.isEmpty()) {
      context.putIfAbsent("lastError", lastError);
    }
    return new QueueEntry(id, fields.getOrDefault("op", ""), fields.getOrDefault("key", ""),
        parseInt(fields.get("attempt")), Instant.ofEpochMilli(parseLong(fields.get("enqueuedAt"))),
        fields.getOrDefault("payload", ""), fields.getOrDefault("reason", ""), context);
  }

  static int parseInt(@Nullable String value) {
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static long parseLong(@Nullable String value) {
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
