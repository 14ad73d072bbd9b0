package io.github.r4jredis.fallback;

/**
 * What one drain of a retry queue did.
 *
 * @param succeeded operations that ran and are done
 * @param retried operations that failed and wait for their next attempt
 * @param deadLettered operations moved to the dead letters (retries exhausted, no handler, unreadable)
 * @param reviewed operations moved to manual review
 * @param duplicates deliveries of operations already done, dropped
 * @param deferred operations put back untried because the circuit breaker did not permit a call
 */
public record DrainResult(int succeeded, int retried, int deadLettered, int reviewed, int duplicates, int deferred) {

  /** Operations this drain looked at. */
  public int total() {
    return succeeded + retried + deadLettered + reviewed + duplicates + deferred;
  }
}
