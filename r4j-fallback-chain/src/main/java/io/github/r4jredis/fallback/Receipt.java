package io.github.r4jredis.fallback;

/**
 * What {@link RetryQueue#enqueue} and {@link ManualReview#submit} give back.
 *
 * @param id the new stream entry id; empty for a duplicate
 * @param duplicate whether an operation with the same idempotency key was already queued, under
 *     review, or done within the retention (then nothing was added)
 */
public record Receipt(String id, boolean duplicate) {}
