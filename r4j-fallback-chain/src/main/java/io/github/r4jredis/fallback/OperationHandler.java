package io.github.r4jredis.fallback;

/**
 * Runs a queued operation again. Registered per operation name on a {@link RetryQueue}; any
 * node of the fleet may run it, possibly twice if a node dies in the middle (at-least-once):
 * use {@link OperationContext#idempotencyKey()} to make the second run a no-op downstream.
 *
 * @param <P> the payload type
 */
@FunctionalInterface
public interface OperationHandler<P> {

  /**
   * Runs the operation; returning normally means done, throwing means try again later.
   *
   * @throws Exception when it failed
   */
  void handle(P payload, OperationContext context) throws Exception;
}
