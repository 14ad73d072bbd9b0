package io.github.r4jredis.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript.Mode;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's clock: Redis {@code TIME} as this JVM sees it. For a time one node stamps and another
 * reads that Java has to compute (the minute a key is named by, the time of a health check's
 * result, a cached value's age): two nodes whose clocks disagree by a minute then still agree on
 * what happened when, as the breakers' scripts do by reading {@code TIME} themselves.
 *
 * <p>It never waits on Redis. It asks Redis for {@code TIME} in the background when created and
 * again once a reading is {@linkplain #RESYNC_INTERVAL half a minute} old (a second, until Redis first
 * answered), and moves on from the
 * latest answer by this JVM's monotonic clock (so a stepped system clock does not move it); the
 * answer is taken to have been read halfway through its round trip, an error of at most half a
 * round trip. Until Redis first answers it is the system clock. While Redis does not answer it
 * goes on from the last answer; a Redis that fails over to a server whose clock is off moves it
 * at the next reading. Readings whose round trip took over a second are not taken (their error is
 * too large), unless none was taken yet.
 *
 * <p>Every builder of r4j-redis that stamps shared data with a {@link Clock} of its own uses
 * this one unless given another. Thread-safe; {@link #withZone} copies share one reading.
 */
public final class RedisClock extends Clock {

  /** How old a reading of Redis TIME may grow before the next read asks for another. */
  public static final Duration RESYNC_INTERVAL = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(RedisClock.class);
  /** Microseconds since the epoch: exact in a Lua number (below 2^53) for another 250 years. */
  private static final LuaScript TIME = LuaScript.of(
      "local t = redis.call('TIME')\nreturn tonumber(t[1]) * 1000000 + tonumber(t[2])\n");
  private static final long RESYNC_NANOS = RESYNC_INTERVAL.toNanos();
  /** How soon a clock that Redis has not answered yet asks again. */
  private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long MAX_ROUND_TRIP_NANOS = Duration.ofSeconds(1).toNanos();

  private final Source source;
  private final ZoneId zone;

  private RedisClock(Source source, ZoneId zone) {
    this.source = source;
    this.zone = zone;
  }

  /** The time of the Redis {@code redisson} talks to, in UTC; asks for it at once, in the background. */
  public static RedisClock of(RedissonClient redisson) {
    Source source = new Source(Objects.requireNonNull(redisson, "redisson"));
    source.resync();
    return new RedisClock(source, ZoneOffset.UTC);
  }

  /**
   * The fleet's clock for a component given the clock {@code own}: one of {@code redisson} when
   * {@code own} is the system clock (in any zone), else null: a clock of its own (a test's) stamps
   * everything itself.
   */
  public static @Nullable RedisClock unlessOwn(Clock own, RedissonClient redisson) {
    return isSystem(own) ? of(redisson) : null;
  }

  /** Whether {@code clock} is the system clock, in any zone ({@code Clock.systemUTC()}, {@code Clock.system(zone)}...). */
  public static boolean isSystem(Clock clock) {
    return clock.equals(Clock.system(clock.getZone()));
  }

  /**
   * Whether Redis has answered yet: before it has, this clock is the system clock. Asks again when
   * due, as reading the time does: a caller that waits for this before it reads the time is not
   * left with a first request that failed.
   */
  public boolean isSynchronized() {
    source.resyncIfDue(System.nanoTime());
    return source.latest != null;
  }

  @Override
  public long millis() {
    return source.micros() / 1000;
  }

  @Override
  public Instant instant() {
    long micros = source.micros();
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public RedisClock withZone(ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    return zone.equals(this.zone) ? this : new RedisClock(source, zone);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RedisClock that && source == that.source && zone.equals(that.zone);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(source) * 31 + zone.hashCode();
  }

  @Override
  public String toString() {
    return "RedisClock[" + zone + (source.latest != null ? "" : ", not synchronized yet") + "]";
  }

  /** Redis's time (µs) and the moment of this JVM's monotonic clock it stands for. */
  private record Reading(long redisMicros, long atNanos) {}

  /** One Redis's time, read now and then; shared by the zone copies of a clock. */
  private static final class Source {
    private final RedissonClient redisson;
    private final AtomicBoolean reading = new AtomicBoolean();
    /** The latest reading taken, or null before Redis first answered. */
    private volatile @Nullable Reading latest;
    private volatile long askedNanos;

    Source(RedissonClient redisson) {
      this.redisson = redisson;
    }

    long micros() {
      long now = System.nanoTime();
      resyncIfDue(now);
      Reading last = latest;
      return last == null ? System.currentTimeMillis() * 1000 : last.redisMicros + (now - last.atNanos) / 1000;
    }

    void resyncIfDue(long nowNanos) {
      if (nowNanos - askedNanos >= (latest == null ? RETRY_NANOS : RESYNC_NANOS)) {
        resync();
      }
    }

    void resync() {
      if (!reading.compareAndSet(false, true)) {
        return;
      }
      long sent = System.nanoTime();
      askedNanos = sent;
      try {
        // READ_WRITE: a master's clock, as the breakers' scripts read (a replica's may differ).
        TIME.<Long>evalAsync(redisson, Mode.READ_WRITE, ReturnType.LONG, List.of()).whenComplete((micros, error) -> {
          long received = System.nanoTime();
          reading.set(false);
          if (error != null) {
            LOG.debug("Reading Redis TIME failed; the fleet's clock goes on from its last reading", error);
          } else if (micros != null && (received - sent <= MAX_ROUND_TRIP_NANOS || latest == null)) {
            latest = new Reading(micros, sent + (received - sent) / 2);
          }
        });
      } catch (RuntimeException e) { // a client shut down
        reading.set(false);
        LOG.debug("Reading Redis TIME failed; the fleet's clock goes on from its last reading", e);
      }
    }
  }
}
