package io.github.r4jredis.fallback;

/**
 * What one drain of a retry queue did.
 *
 * @param succeeded operations that ran and are done
 * @param retried operations that failed and wait for their next attempt
 * @param deadLettered operations moved to the dead letters (retries exhausted, the operation's own
 *     failure, unreadable, no node with a handler for {@code unhandledTimeout})
 * @param reviewed operations moved to manual review
 * @param duplicates deliveries of operations already done, dropped
 * @param deferred operations put back untried because the circuit breaker did not permit a call
 * @param unhandled operations put back untried for a node that has their handler (this one has none)
 */
public record DrainResult(int succeeded, int retried, int deadLettered, int reviewed, int duplicates, int deferred,
    int unhandled) {

  /** Operations this drain looked at. */
  public int total() {
    return succeeded + retried + deadLettered + reviewed + duplicates + deferred + unhandled;
  }
}
