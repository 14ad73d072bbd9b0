package io.github.r4jredis.fallback;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.r4jredis.fallback.internal.SharedCopies;
import io.github.r4jredis.state.Bounds;
import io.github.r4jredis.state.FleetNames;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * The last known good value per key, to answer with when the live call cannot: a bounded
 * Caffeine cache on this node, optionally backed by a fleet-shared copy in Redis so that a node
 * that never saw a value can still serve the fleet's last good one. Values older than
 * {@code maxStaleness} are never served.
 *
 * <pre>{@code
 * StaleCache<List<Appointment>> cache = StaleCache.<List<Appointment>>builder("appointments")
 *     .maximumSize(10_000)
 *     .maxStaleness(Duration.ofHours(1))
 *     .shared(redisson, PayloadCodec.json(AppointmentList.class))
 *     .build();
 * }</pre>
 *
 * <p>The shared copy is written in the background, at most once per key per
 * {@code sharedWriteInterval}, and never over a newer one; it is read when this node has no value,
 * and at most once per key per {@code sharedWriteInterval} to find one newer than this node's,
 * waiting at most {@code sharedReadTimeout}. When Redis is away the cache works from this node's
 * values alone.
 *
 * <p>Thread-safe.
 *
 * @param <T> the type of the values
 */
public final class StaleCache<T> {

  /**
   * A value from the cache and how old it is.
   *
   * @param value the value
   * @param age time since the live call that produced it returned
   * @param fromFleet whether it came from the fleet-shared copy (another node stored it)
   * @param <T> the type of the value
   */
  public record Stale<T>(T value, Duration age, boolean fromFleet) {}

  /**
   * A value and when it was good; {@code sharedAt} is when this node last wrote it to Redis,
   * {@code checkedAt} when it last compared it with the fleet's copy.
   */
  private record Entry<T>(T value, long storedAt, long sharedAt, long checkedAt) {}

  private final String name;
  private final Duration maxStaleness;
  private final Duration sharedWriteInterval;
  private final Clock clock;
  private final Cache<String, Entry<T>> local;
  private final @Nullable SharedCopies<T> shared;

  private StaleCache(Builder<T> builder) {
    this.name = builder.name;
    this.maxStaleness = builder.maxStaleness;
    this.sharedWriteInterval = builder.sharedWriteInterval;
    this.clock = builder.clock;
    long maxNanos = maxStaleness.toNanos();
    this.local = Caffeine.newBuilder()
        .maximumSize(builder.maximumSize)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        // An entry leaves just after maxStaleness from when its value was good (also one copied
        // from the fleet); get() applies the exact limit.
        .expireAfter(new Expiry<String, Entry<T>>() {
          @Override
          public long expireAfterCreate(String key, Entry<T> entry, long currentTime) {
            return Math.max(0, maxNanos - TimeUnit.MILLISECONDS.toNanos(clock.millis() - entry.storedAt() - 1));
          }

          @Override
          public long expireAfterUpdate(String key, Entry<T> entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
          }

          @Override
          public long expireAfterRead(String key, Entry<T> entry, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
    this.shared = builder.redisson == null ? null : new SharedCopies<>(builder.redisson, builder.keyPrefix, name,
        Objects.requireNonNull(builder.codec), maxStaleness, builder.sharedReadTimeout, clock);
  }

  /** A builder of the cache {@code name} (1-64 of {@code [A-Za-z0-9._:@-]}). */
  public static <T> Builder<T> builder(String name) {
    return new Builder<>(name);
  }

  /** The cache's name. */
  public String name() {
    return name;
  }

  /** Remembers {@code value} as the last good value of {@code key}, good now. */
  public void put(String key, T value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    if (shared == null) {
      local.put(key, new Entry<>(value, now, 0, now));
      return;
    }
    Entry<T> previous = local.getIfPresent(key);
    boolean share = previous == null || now - previous.sharedAt() >= sharedWriteInterval.toMillis();
    local.put(key, new Entry<>(value, now, share ? now : previous.sharedAt(), now));
    if (share) {
      shared.write(key, value, now);
    }
  }

  /**
   * The last good value of {@code key} if it is at most {@code maxStaleness} old: the newer of
   * this node's and the fleet's. With a fleet-shared copy, Redis is asked when this node has no
   * value, or has not compared its own with the fleet's for {@code sharedWriteInterval} (one
   * read per key per interval, as for writes; at most {@code sharedReadTimeout}, and none for a
   * second after a failed read): another node may have stored a newer value since this one did.
   */
  public Optional<Stale<T>> get(String key) {
    Objects.requireNonNull(key, "key");
    long now = clock.millis();
    Entry<T> entry = local.getIfPresent(key);
    boolean ask = shared != null && (entry == null || now - entry.checkedAt() >= sharedWriteInterval.toMillis());
    SharedCopies.Copy<T> copy = ask ? shared.read(key) : null;
    if (copy == null || entry != null && entry.storedAt() >= Math.min(copy.storedAt(), now)) {
      if (ask && entry != null) {
        local.asMap().computeIfPresent(key, (k, e) -> e.storedAt() == entry.storedAt()
            ? new Entry<>(e.value(), e.storedAt(), e.sharedAt(), now) : e);
      }
      return entry == null ? Optional.empty() : fresh(entry, now, false);
    }
    Entry<T> fromFleet = new Entry<>(copy.value(), Math.min(copy.storedAt(), now), now, now);
    local.asMap().merge(key, fromFleet, (mine, theirs) -> mine.storedAt() >= theirs.storedAt() ? mine : theirs);
    return fresh(fromFleet, now, true);
  }

  private Optional<Stale<T>> fresh(Entry<T> entry, long now, boolean fromFleet) {
    long age = Math.max(0, now - entry.storedAt());
    return age > maxStaleness.toMillis() ? Optional.empty()
        : Optional.of(new Stale<>(entry.value(), Duration.ofMillis(age), fromFleet));
  }

  /** Forgets the value of {@code key} on this node and in the fleet-shared copy. */
  public void invalidate(String key) {
    Objects.requireNonNull(key, "key");
    local.invalidate(key);
    if (shared != null) {
      shared.delete(key);
    }
  }

  /** Values held on this node (an estimate, as Caffeine's). */
  public long localSize() {
    return local.estimatedSize();
  }

  /** The longest a value is served after it was good. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  @Override
  public String toString() {
    return "StaleCache[" + name + ", maxStaleness=" + maxStaleness + (shared != null ? ", fleet-shared" : "") + "]";
  }

  /** Settings of a cache. Not thread-safe. */
  public static final class Builder<T> {

    /** Default number of keys kept on a node. */
    public static final long DEFAULT_MAXIMUM_SIZE = 10_000;

    /** Default age after which a value is not served any more. */
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofHours(1);

    /** Default shortest time between two writes of one key to the shared copy by a node. */
    public static final Duration DEFAULT_SHARED_WRITE_INTERVAL = Duration.ofSeconds(1);

    /** Default longest wait for the shared copy. */
    public static final Duration DEFAULT_SHARED_READ_TIMEOUT = Duration.ofMillis(100);

    private final String name;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Duration maxStaleness = DEFAULT_MAX_STALENESS;
    private Duration sharedWriteInterval = DEFAULT_SHARED_WRITE_INTERVAL;
    private Duration sharedReadTimeout = DEFAULT_SHARED_READ_TIMEOUT;
    private Clock clock = Clock.systemUTC();
    private String keyPrefix = FleetNames.DEFAULT_PREFIX;
    private @Nullable RedissonClient redisson;
    private @Nullable PayloadCodec<T> codec;

    private Builder(String name) {
      this.name = RetryQueue.Builder.requireName("name", name);
    }

    /** Keys kept on this node, at least 1; the least used go first. Default 10,000. */
    public Builder<T> maximumSize(long maximumSize) {
      this.maximumSize = Bounds.atLeast("maximumSize", maximumSize, 1);
      return this;
    }

    /** Age after which a value is never served, at least 1 ms. Default 1 h. */
    public Builder<T> maxStaleness(Duration maxStaleness) {
      this.maxStaleness = Bounds.atLeast("maxStaleness", maxStaleness, Duration.ofMillis(1));
      return this;
    }

    /**
     * Keeps a fleet-shared copy of each value in Redis, encoded with {@code codec}, kept for
     * {@code maxStaleness}.
     */
    public Builder<T> shared(RedissonClient redisson, PayloadCodec<T> codec) {
      this.redisson = Objects.requireNonNull(redisson, "redisson");
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /** Prefix of the shared copies' keys, as the retry queue's. Default {@code r4j}. */
    public Builder<T> keyPrefix(String keyPrefix) {
      this.keyPrefix = FleetNames.requirePrefix("keyPrefix", keyPrefix);
      return this;
    }

    /**
     * Shortest time between two writes of one key to the shared copy by this node: a hot key
     * read 1,000 times a second costs one Redis write a second. Zero writes every time. Default 1 s.
     */
    public Builder<T> sharedWriteInterval(Duration sharedWriteInterval) {
      this.sharedWriteInterval = Bounds.notNegative("sharedWriteInterval", sharedWriteInterval);
      return this;
    }

    /** Longest wait for the shared copy before answering without it, at least 1 ms. Default 100 ms. */
    public Builder<T> sharedReadTimeout(Duration sharedReadTimeout) {
      this.sharedReadTimeout = Bounds.atLeast("sharedReadTimeout", sharedReadTimeout, Duration.ofMillis(1));
      return this;
    }

    /**
     * The clock of ages. Default the UTC system clock, and then the fleet-shared copies are stamped on
     * the fleet's clock ({@link io.github.r4jredis.state.RedisClock}, Redis TIME), whatever this node's
     * clock says; a clock of its own (a test clock) stamps them itself.
     */
    public Builder<T> clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the cache. */
    public StaleCache<T> build() {
      return new StaleCache<>(this);
    }
  }
}
