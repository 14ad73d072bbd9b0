package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition on processes this testkit started (a server answering PING, a cluster
 * reaching {@code cluster_state:ok}). There is no event to wait on, so it polls every 10 ms.
 */
public final class Poll {

  private static final long INTERVAL_MILLIS = 10;

  private Poll() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @param what what is awaited, for the message
   * @param detail more text for the message when the wait fails (a log tail, say)
   * @throws RedisTestkitException when {@code timeout} passes first
   */
  public static void until(
      String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new RedisTestkitException(
            "Timed out after " + timeout + " waiting for " + what + "\n" + detail.get());
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RedisTestkitException("Interrupted while waiting for " + what, e);
      }
    }
  }
}
