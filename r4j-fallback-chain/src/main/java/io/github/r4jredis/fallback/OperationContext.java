package io.github.r4jredis.fallback;

import java.time.Instant;

/**
 * What a handler knows about the queued operation it runs.
 *
 * @param operation the operation name
 * @param idempotencyKey the key that makes a second run a no-op
 * @param attempt 1 for the first run from the queue, 2 for the next...
 * @param enqueuedAt when it was first queued
 */
public record OperationContext(String operation, String idempotencyKey, int attempt, Instant enqueuedAt) {}
