package io.github.r4jredis.fallback;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Operations a person must look at: critical ones whose retries ran out, and ones flagged to be
 * reviewed at their first failure. Durable (a Redis stream next to the queue's) and fleet-wide.
 *
 * <p>Thread-safe.
 */
public interface ManualReview {

  /**
   * Hands an operation to review with a reason and context for the reviewer, unless one with
   * the same idempotency key is queued, under review, or done.
   *
   * @throws FallbackStoreException when Redis cannot store it (nothing was stored)
   */
  Receipt submit(Operation<?> operation, String reason, Map<String, String> context);

  /**
   * The oldest items under review, at most {@code max}.
   *
   * @throws FallbackStoreException when Redis does not answer
   */
  List<QueueEntry> list(int max);

  /**
   * Closes an item: it leaves the review, its idempotency key counts as done, the note is kept
   * in an audit stream.
   *
   * @return whether the item was under review
   * @throws FallbackStoreException when Redis does not answer
   */
  boolean resolve(String id, String note);

  /**
   * Puts an item back on the retry queue for a fresh round of attempts.
   *
   * @return whether the item was under review
   * @throws FallbackStoreException when Redis does not answer
   */
  boolean requeue(String id);

  /**
   * Items under review.
   *
   * @throws FallbackStoreException when Redis does not answer
   */
  long backlog();

  /**
   * Calls {@code listener} for every item this node hands to review, by {@link #submit} or from
   * a drain (so each item is announced once, by the node that moved it). A listener that throws
   * is logged and does not stop the others.
   */
  ManualReview onSubmitted(Consumer<QueueEntry> listener);
}
