package io.github.r4jredis.fallback;

import static io.micrometer.core.instrument.Meter.Type.COUNTER;
import static io.micrometer.core.instrument.Meter.Type.GAUGE;

import io.github.r4jredis.state.DocumentedMeter;

/**
 * The meters of r4j-fallback-chain; listed in {@code docs/fallback.md} ("Meters"). Each carries the
 * name of what it measures as its first tag: {@code chain}, {@code queue} or {@code degradation}.
 */
public enum FallbackMeters implements DocumentedMeter {
  /** Answers of a fallback chain by the tier that gave them. */
  ANSWERS(DocumentedMeter.of("r4jredis.fallback.answers", COUNTER,
      "Answers of a fallback chain by the tier that gave them", "chain", "tier")),
  /** Operations of a retry queue by outcome. */
  QUEUE_OPERATIONS(DocumentedMeter.of("r4jredis.fallback.queue.operations", COUNTER,
      "Operations of a retry queue by outcome: queued, duplicate, succeeded, retried, dead, reviewed, deferred, "
          + "unhandled", "queue", "outcome")),
  /** Operations queued: ready, in progress or delayed. */
  QUEUE_DEPTH(DocumentedMeter.of("r4jredis.fallback.queue.depth", GAUGE,
      "Operations queued: ready, in progress or delayed", "queue")),
  /** Seconds since the oldest queued operation was queued. */
  QUEUE_OLDEST_AGE(DocumentedMeter.of("r4jredis.fallback.queue.oldest.age", GAUGE,
      "Seconds since the oldest queued operation was queued", "queue")),
  /** Operations in the dead letters. */
  DEAD_LETTERS(DocumentedMeter.of("r4jredis.fallback.dead.letters", GAUGE, "Operations in the dead letters", "queue")),
  /** Operations waiting for manual review. */
  REVIEW_BACKLOG(DocumentedMeter.of("r4jredis.fallback.review.backlog", GAUGE,
      "Operations waiting for manual review", "queue")),
  /** Degradation from the states of the breakers the application depends on: 0 none, 100 all open. */
  DEGRADATION_LEVEL(DocumentedMeter.of("r4jredis.fallback.degradation.level", GAUGE,
      "Degradation from the states of the breakers the application depends on: 0 none, 100 all open",
      "degradation"));

  private final Declaration declaration;

  FallbackMeters(Declaration declaration) {
    this.declaration = declaration;
  }

  @Override
  public Declaration declaration() {
    return declaration;
  }
}
