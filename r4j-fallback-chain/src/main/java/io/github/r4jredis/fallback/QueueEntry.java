package io.github.r4jredis.fallback;

import java.time.Instant;
import java.util.Map;

/**
 * An operation as a queue, the dead letters or the review stream hold it.
 *
 * @param id stream entry id
 * @param operation operation name
 * @param idempotencyKey its key
 * @param attempts runs so far
 * @param enqueuedAt when it was first queued
 * @param payload the encoded payload, as stored
 * @param reason why it is here (dead letters and review); empty in the queue
 * @param context what the submitter added for the reviewer; the last error of a dead letter
 */
public record QueueEntry(String id, String operation, String idempotencyKey, int attempts, Instant enqueuedAt,
    String payload, String reason, Map<String, String> context) {

  /** Copies the context. */
  public QueueEntry {
    context = Map.copyOf(context);
  }
}
