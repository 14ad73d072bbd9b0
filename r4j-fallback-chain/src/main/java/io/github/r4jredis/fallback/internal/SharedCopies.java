package io.github.r4jredis.fallback.internal;

import io.github.r4jredis.fallback.PayloadCodec;
import io.github.r4jredis.state.LuaScript;
import io.github.r4jredis.state.OutageLog;
import io.github.r4jredis.state.RedisClock;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet-shared copies of a stale cache: one string per key, {@code <stored-at ms>|<value>},
 * at {@code <prefix>:fb:cache:<name>:<key>}, expiring after the cache's max staleness. Nothing
 * here throws: when Redis is away, writes are dropped and reads answer nothing, and for a second
 * after a failed read no read is tried (a dead Redis must not add a timeout to every fallback).
 *
 * <p>Stamps are on the fleet's clock ({@link RedisClock}), so that a node whose clock is a minute
 * off neither takes a copy for older than it is nor wins with an older value; this node's times
 * are converted on the way in and out. Until Redis first told its time (a round trip after start)
 * nothing is written or read: values stay on this node. A cache given a clock of its own (a test
 * clock) stamps with that clock instead.
 *
 * <p>Thread-safe.
 */
public final class SharedCopies<T> {

  /**
   * A value another node stored.
   *
   * @param value the decoded value
   * @param storedAt when it was good, on this node's clock
   */
  public record Copy<T>(T value, long storedAt) {}

  private static final Logger LOG = LoggerFactory.getLogger(SharedCopies.class);
  private static final LuaScript PUT = QueueStore.script("cache-put.lua");
  private static final long BACKOFF_MILLIS = 1000;

  private final RedissonClient redisson;
  private final String prefix;
  private final String name;
  private final PayloadCodec<T> codec;
  private final Duration ttl;
  private final Duration readTimeout;
  private final AtomicLong skipReadsUntil = new AtomicLong();
  private final OutageLog outages;
  private final Clock clock;
  /** The fleet's clock, or null when the cache's clock is not the system's: then stamps are on that one. */
  private final @Nullable RedisClock fleet;

  /** Copies under {@code <prefix>:fb:cache:<name>:}, stamped on the fleet's clock when {@code clock} is the system's. */
  public SharedCopies(RedissonClient redisson, String prefix, String name, PayloadCodec<T> codec, Duration ttl,
      Duration readTimeout, Clock clock) {
    this.redisson = redisson;
    this.clock = clock;
    this.fleet = RedisClock.unlessOwn(clock, redisson);
    this.prefix = prefix + ":fb:cache:" + name + ":";
    this.name = name;
    this.codec = codec;
    this.ttl = ttl;
    this.readTimeout = readTimeout;
    this.outages = new OutageLog(LOG, "Stale cache " + name + " reaches its shared copies again");
  }

  /** Stores {@code value}, good at {@code storedAt} (this node's clock), in the background unless Redis holds a newer one. */
  public void write(String key, T value, long storedAt) {
    if (fleet != null && !fleet.isSynchronized()) {
      return;
    }
    String encoded;
    try {
      encoded = codec.encode(value);
    } catch (RuntimeException e) {
      LOG.warn("Stale cache {} cannot encode the value of key {}; it is kept on this node only", name, key, e);
      return;
    }
    String redisKey = prefix + key;
    PUT.evalAsync(redisson, RScript.Mode.READ_WRITE, RScript.ReturnType.LONG, List.of(redisKey),
        Long.toString(storedAt + fleetOffset()), encoded, Long.toString(ttl.toMillis())).whenComplete((ignored, error) -> {
          if (error != null) {
            failed("write", error);
          } else {
            outages.succeeded();
          }
        });
  }

  /** The fleet's copy of {@code key}, or null when there is none, it is unreadable, or Redis does not answer in time. */
  public @Nullable Copy<T> read(String key) {
    if (System.currentTimeMillis() < skipReadsUntil.get() || fleet != null && !fleet.isSynchronized()) {
      return null;
    }
    String stored;
    try {
      stored = redisson.<String>getBucket(prefix + key, StringCodec.INSTANCE).getAsync().toCompletableFuture()
          .get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      skipReadsUntil.set(System.currentTimeMillis() + BACKOFF_MILLIS);
      failed("read", e);
      return null;
    }
    outages.succeeded();
    if (stored == null) {
      return null;
    }
    int bar = stored.indexOf('|');
    try {
      return new Copy<>(codec.decode(stored.substring(bar + 1)), Long.parseLong(stored.substring(0, bar)) - fleetOffset());
    } catch (RuntimeException e) { // also a missing bar: parseLong of ""
      LOG.warn("Stale cache {}: the shared copy of key {} is unreadable, ignored: {}", name, key, e.toString());
      return null;
    }
  }

  /** Deletes the copy of {@code key} in the background. */
  public void delete(String key) {
    redisson.getBucket(prefix + key, StringCodec.INSTANCE).deleteAsync().whenComplete((ignored, error) -> {
      if (error != null) {
        failed("delete", error);
      }
    });
  }

  /** How far the fleet's clock is ahead of this node's (ms). */
  private long fleetOffset() {
    return fleet == null ? 0 : fleet.millis() - clock.millis();
  }

  private void failed(String what, Throwable error) {
    outages.failed("Stale cache " + name + " cannot " + what + " its shared copies; serving this node's values"
        + " (logged once until it recovers)", error);
  }
}
