package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RPatternTopic;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.PatternStatusListener;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.ClusterServersConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the breakers of a registry publish their state news, and how this node hears it.
 *
 * <p>On a single server or a Sentinel set-up: one channel per key prefix ({@link KeySpace#channel()}),
 * so one subscription per node whatever the number of breakers. On a Cluster a PUBLISH travels the
 * cluster bus to every node of the cluster, so each breaker publishes on a shard channel in its own
 * hash slot ({@link KeySpace#shardChannel}, Redis 7 {@code SPUBLISH} in the scripts) and this node
 * subscribes ({@code SSUBSCRIBE}) to the channel of each breaker it has, on the master serving that
 * slot: news stays on the shard that holds the breaker. Redis 6 has no shard channels: the scripts
 * then PUBLISH on the same channel names, and the node hears them through one pattern.
 *
 * <p>Messages sent while a subscription is down are lost: {@link Listener#resubscribed} names the
 * breakers to read again. Subscribing never blocks the caller. Thread-safe.
 */
final class Subscriber {

  /** What the subscriptions deliver. Called on Redisson's threads. */
  interface Listener {

    /** A message arrived. */
    void message(String text, long receivedNanos);

    /** A subscription began: messages for {@code encodedName} (null: every breaker) may have been lost. */
    void resubscribed(@Nullable String encodedName);

    /** A subscription failed: {@link #start()} is to be called again later. */
    void failed(Throwable error);
  }

  private enum Mode {
    /** One channel per prefix. */
    GLOBAL,
    /** One shard channel per breaker (Redis 7 Cluster). */
    SHARDED,
    /** The shard channels' names, published and heard as plain channels (Redis 6 Cluster). */
    PATTERN
  }

  private static final Logger LOG = LoggerFactory.getLogger(Subscriber.class);
  /** {@code redis.REDIS_VERSION_NUM} of Redis 7.0.0, the first with shard channels. */
  private static final long SHARD_CHANNELS_SINCE = 0x070000;

  /**
   * The listeners added for one channel or pattern, and how to remove one. A listener whose
   * addition completes after the subscription was dropped is removed at once: kept, it would
   * deliver every message a second time once the channel is subscribed again.
   */
  private static final class Subscription {
    private final List<Integer> ids = new ArrayList<>();
    private final IntFunction<CompletionStage<?>> remover;
    private boolean dropped;

    Subscription(IntFunction<CompletionStage<?>> remover) {
      this.remover = remover;
    }

    synchronized void added(int id) {
      if (dropped) {
        remover.apply(id);
      } else {
        ids.add(id);
      }
    }

    synchronized void drop() {
      dropped = true;
      ids.forEach(remover::apply);
      ids.clear();
    }
  }

  private final RedissonClient redisson;
  private final KeySpace keys;
  private final Listener listener;
  private final Executor io;
  /** The encoded names of this node's breakers: a live view of the engine's own (not a copy). */
  private final Set<String> names;
  /** By channel (or pattern) subscribed: one per prefix, or one per breaker with shard channels. */
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  /**
   * Redisson calls not answered yet (listeners added or removed, the version asked): close waits
   * for them, as one still running when Redisson shuts down makes netty log a stack trace.
   */
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile Mode mode;
  private volatile boolean started;
  /** Subscriptions Redisson's pool holds per master (shard channels), and whether that was exceeded. */
  private final int capacity;
  private volatile boolean capacityWarned;
  /** With shard channels: whether Redis was asked if it has them (it answers SSUBSCRIBE only from 7.0). */
  private volatile boolean versionKnown;

  /**
   * @param sharded whether to use shard channels (the client is connected to a Cluster)
   * @param io where to subscribe: Redisson's addListenerAsync may wait for a pub/sub connection
   *     (or, with lazy initialization, connect), which must never hold up the sync thread
   * @param names the encoded names of this node's breakers, kept by the caller, who tells each
   *     one added or removed through {@link #add} and {@link #remove} after changing the set
   */
  Subscriber(RedissonClient redisson, KeySpace keys, boolean sharded, Executor io, Set<String> names,
      Listener listener) {
    this.redisson = redisson;
    this.keys = keys;
    this.names = names;
    this.listener = listener;
    this.mode = sharded ? Mode.SHARDED : Mode.GLOBAL;
    this.io = io;
    this.capacity = sharded ? clusterCapacity(redisson) : Integer.MAX_VALUE;
  }

  /**
   * The channel the breaker {@code encodedName} publishes on (the scripts' {@code channel}). With
   * a pattern it is marked '#': published as a plain channel even once Redis has shard channels
   * (upgraded under this node), so that this node, and the others that found Redis 6, hear it.
   */
  String channelFor(String encodedName) {
    return switch (mode) {
      case GLOBAL -> keys.channel();
      case SHARDED -> keys.shardChannel(encodedName);
      case PATTERN -> "#" + keys.shardChannel(encodedName);
    };
  }

  /** What this node listens to, for log lines. */
  String describe() {
    return switch (mode) {
      case GLOBAL -> keys.channel();
      case SHARDED -> "shard channels " + keys.shardChannel("*");
      case PATTERN -> keys.shardChannelPattern();
    };
  }

  /** Subscribes whatever is not subscribed yet: at first, and again after a failure. */
  void start() {
    started = true;
    run(this::subscribeMissing);
  }

  /** A breaker of this node, just added to the names: with shard channels, a subscription of its own. */
  void add(String encodedName) {
    if (mode == Mode.SHARDED && names.size() > capacity && !capacityWarned) {
      capacityWarned = true;
      LOG.warn("{} circuit breakers under '{}' need as many shard-channel subscriptions; Redisson's pool holds {}"
          + " per master (subscriptionsPerConnection x subscriptionConnectionPoolSize): raise them, or"
          + " turn sharded pub/sub off; breakers without a subscription learn the fleet's state by reads only",
          names.size(), keys.prefix(), capacity);
    }
    if (started && mode == Mode.SHARDED) {
      run(() -> subscribeShard(encodedName));
    }
  }

  /** A breaker this node no longer has, just removed from the names. */
  void remove(String encodedName) {
    if (mode == Mode.SHARDED) {
      run(() -> unsubscribe(keys.shardChannel(encodedName)));
    }
  }

  private void run(Runnable task) {
    try {
      io.execute(task);
    } catch (RejectedExecutionException closed) {
      // the registry is closing: nothing more to subscribe
    }
  }

  private void subscribeMissing() {
    if (!started) {
      return;
    }
    if (mode == Mode.SHARDED && !versionKnown) {
      askVersion();
      return;
    }
    switch (mode) {
      case GLOBAL -> {
        String channel = keys.channel();
        if (!subscriptions.containsKey(channel)) {
          listen(redisson.getTopic(channel, StringCodec.INSTANCE), channel, null);
        }
      }
      case SHARDED -> names.forEach(this::subscribeShard);
      case PATTERN -> subscribePattern();
    }
  }

  private void subscribeShard(String encodedName) {
    String channel = keys.shardChannel(encodedName);
    if (started && versionKnown && mode == Mode.SHARDED && names.contains(encodedName)
        && !subscriptions.containsKey(channel)) {
      listen(redisson.getShardedTopic(channel, StringCodec.INSTANCE), channel, encodedName);
    }
  }

  /** Messages and (re)subscriptions of one channel, carrying the news of {@code encodedName} (null: all). */
  private void listen(RTopic topic, String channel, @Nullable String encodedName) {
    Subscription subscription = new Subscription(id -> track(topic.removeListenerAsync(id)));
    subscriptions.put(channel, subscription);
    // Messages are handled on Redisson's listener thread: handing them to the sync thread would
    // add a thread wake-up to every node's share of the fleet's convergence.
    track(topic.addListenerAsync(String.class, (ch, message) -> listener.message(message, System.nanoTime())))
        .whenComplete((id, error) -> subscribed(channel, subscription, id, error));
    track(topic.addListenerAsync(new StatusListener() {
      @Override
      public void onSubscribe(String ch) {
        listener.resubscribed(encodedName);
      }

      @Override
      public void onUnsubscribe(String ch) {
        // Redisson subscribes again by itself; onSubscribe then asks for the re-read.
      }
    })).whenComplete((id, error) -> subscribed(channel, subscription, id, error));
  }

  private void subscribePattern() {
    String pattern = keys.shardChannelPattern();
    if (subscriptions.containsKey(pattern)) {
      return;
    }
    RPatternTopic topic = redisson.getPatternTopic(pattern, StringCodec.INSTANCE);
    Subscription subscription = new Subscription(id -> track(topic.removeListenerAsync(id)));
    subscriptions.put(pattern, subscription);
    track(topic.addListenerAsync(String.class, (p, ch, message) -> listener.message(message, System.nanoTime())))
        .whenComplete((id, error) -> subscribed(pattern, subscription, id, error));
    track(topic.addListenerAsync(new PatternStatusListener() {
      @Override
      public void onPSubscribe(String p) {
        listener.resubscribed(null);
      }

      @Override
      public void onPUnsubscribe(String p) {
        // As for channels: Redisson subscribes again by itself.
      }
    })).whenComplete((id, error) -> subscribed(pattern, subscription, id, error));
  }

  private void subscribed(String channel, Subscription subscription, @Nullable Integer id,
      @Nullable Throwable error) {
    if (error == null) {
      if (id != null) {
        subscription.added(id);
      }
      return;
    }
    if (subscriptions.remove(channel, subscription)) {
      subscription.drop(); // the other listener, if it was added: subscribed again by start()
    }
    listener.failed(error);
  }

  /**
   * Whether Redis has shard channels: a Redis 6 does not answer SSUBSCRIBE at all (Redisson's
   * subscription then times out), so it is asked first. The scripts ask the same of the master
   * they run on ({@code send} in common.lua).
   */
  private void askVersion() {
    track(redisson.getScript(StringCodec.INSTANCE).<String>evalAsync(RScript.Mode.READ_ONLY,
            "return tostring(redis.REDIS_VERSION_NUM or 0)", RScript.ReturnType.VALUE))
        .whenComplete((version, error) -> {
          if (error != null) {
            listener.failed(error);
            return;
          }
          if (mode == Mode.SHARDED && parseVersion(version) < SHARD_CHANNELS_SINCE) {
            mode = Mode.PATTERN;
            LOG.info("Redis has no sharded pub/sub (SSUBSCRIBE, Redis 7): circuit breakers under '{}'"
                + " hear their state news through the pattern {}", keys.prefix(), keys.shardChannelPattern());
          }
          versionKnown = true;
          run(this::subscribeMissing);
        });
  }

  private static int clusterCapacity(RedissonClient redisson) {
    ClusterServersConfig cluster = redisson.getConfig().useClusterServers(); // the client's own
    return cluster.getSubscriptionsPerConnection() * cluster.getSubscriptionConnectionPoolSize();
  }

  private static long parseVersion(@Nullable String version) {
    try {
      return version == null ? 0 : Long.parseLong(version.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void unsubscribe(String channel) {
    Subscription subscription = subscriptions.remove(channel);
    if (subscription != null) {
      subscription.drop();
    }
  }

  private <T> CompletableFuture<T> track(CompletionStage<T> call) {
    CompletableFuture<T> future = call.toCompletableFuture();
    pending.add(future);
    future.whenComplete((result, error) -> pending.remove(future));
    return future;
  }

  /**
   * Removes every listener; nothing is subscribed after. Waits up to {@code wait} for the
   * additions in flight (a listener added after this is removed at once), then as long for the
   * removals, so that nothing of this node's is left running when Redisson shuts down.
   */
  void close(Duration wait) {
    started = false;
    awaitPending(wait);
    List.copyOf(subscriptions.keySet()).forEach(this::unsubscribe);
    awaitPending(wait);
  }

  private void awaitPending(Duration wait) {
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // a call failed (its own handler saw it) or Redis is slow: nothing more to wait for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
