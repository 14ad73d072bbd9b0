package io.github.r4jredis.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand. {@link #skewMillis()} is how far it was moved: given to the
 * registry as the server clock skew, it moves Redis-side deadlines by the same amount.
 */
final class MutableClock extends Clock {

  private final long startMillis;
  private final AtomicLong millis;

  MutableClock() {
    this(System.currentTimeMillis());
  }

  private MutableClock(long startMillis) {
    this.startMillis = startMillis;
    this.millis = new AtomicLong(startMillis);
  }

  void advance(Duration duration) {
    millis.addAndGet(duration.toMillis());
  }

  long skewMillis() {
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
