package io.github.r4jredis.state;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Logs a Redis outage once. Work that keeps failing while Redis is away (a drain every second, a
 * flush every minute, a read per fallback) logs one WARN at the outage's first failure, DEBUG
 * with the stack trace at each one after it, and one INFO at the first success after it: a dead
 * Redis at 3 a.m. is one line to read, not thousands, and its end is a line too.
 *
 * <p>Every module of r4j-redis logs its own Redis outages through this type. Thread-safe: among
 * failures and successes racing, one WARN and one INFO per outage. The lines are written after
 * the state changes, outside any lock, so a success that ends an outage in the instant after its
 * first failure may log its INFO just before that failure's WARN.
 */
public final class OutageLog {

  private final Logger log;
  private final String recoveredMessage;
  private final AtomicBoolean failing = new AtomicBoolean();

  /**
   * @param log where the lines go
   * @param recoveredMessage the INFO line at the end of an outage, as {@code "Queue orders drains again"}
   */
  public OutageLog(Logger log, String recoveredMessage) {
    this.log = Objects.requireNonNull(log, "log");
    this.recoveredMessage = Objects.requireNonNull(recoveredMessage, "recoveredMessage");
  }

  /**
   * An operation failed: the outage's first failure logs {@code message: error} at WARN (the
   * error's {@code toString()}, no stack trace), the ones after it at DEBUG with the stack trace.
   *
   * @return whether this was the outage's first failure
   */
  public boolean failed(String message, Throwable error) {
    if (failing.compareAndSet(false, true)) {
      log.warn("{}: {}", message, error.toString());
      return true;
    }
    log.debug("{}", message, error);
    return false;
  }

  /**
   * An operation succeeded: at the end of an outage logs the INFO line. One volatile read
   * otherwise, so it can follow every success.
   *
   * @return whether this ended an outage
   */
  public boolean succeeded() {
    if (failing.get() && failing.compareAndSet(true, false)) {
      log.info(recoveredMessage);
      return true;
    }
    return false;
  }

  /** Whether the last operation failed. */
  public boolean failing() {
    return failing.get();
  }
}
