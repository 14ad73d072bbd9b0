package io.github.r4jredis.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand, starting at the system time. {@link #skewMillis()} is how far it
 * was moved: given to a registry as the server clock skew, it moves Redis-side deadlines by the
 * same amount. Thread-safe.
 */
public final class MutableClock extends Clock {

  private final long startMillis;
  private final AtomicLong millis;

  /** A clock at the system time now. */
  public MutableClock() {
    this(System.currentTimeMillis());
  }

  private MutableClock(long startMillis) {
    this.startMillis = startMillis;
    this.millis = new AtomicLong(startMillis);
  }

  /** Moves the clock forward (or back, for a negative duration). */
  public void advance(Duration duration) {
    millis.addAndGet(duration.toMillis());
  }

  /** How far the clock was moved since it was made. */
  public long skewMillis() {
    return millis.get() - startMillis;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }
}
