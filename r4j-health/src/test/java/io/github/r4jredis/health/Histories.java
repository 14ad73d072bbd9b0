package io.github.r4jredis.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Generated probe histories with known answers: one check every five minutes from {@link #START}. */
final class Histories {

  /** A Monday, midnight UTC. */
  static final Instant START = Instant.parse("2026-11-02T00:00:00Z");
  static final Duration STEP = Duration.ofMinutes(5);

  /** Decides the outcome and latency of check {@code i} taken at {@code at}. */
  interface Shape {
    /** Latency in ms, or a negative number for a failed check. */
    double latencyMillis(int i, Instant at);
  }

  private Histories() {}

  static List<ProbeResult> generate(Duration span, Shape shape) {
    return generate(span, STEP, shape);
  }

  /** As {@link #generate(Duration, Shape)}, one check every {@code step}. */
  static List<ProbeResult> generate(Duration span, Duration step, Shape shape) {
    List<ProbeResult> history = new ArrayList<>();
    int checks = (int) (span.toMillis() / step.toMillis());
    for (int i = 0; i < checks; i++) {
      Instant at = START.plus(step.multipliedBy(i));
      double millis = shape.latencyMillis(i, at);
      history.add(millis < 0
          ? ProbeResult.down("calcom", Duration.ofSeconds(5), at, "node-1", "timed out after 5 s")
          : ProbeResult.up("calcom", Duration.ofNanos(Math.round(millis * 1e6)), at, "node-1"));
    }
    return history;
  }

  static double hoursSinceStart(Instant at) {
    return Duration.between(START, at).toMillis() / 3_600_000.0;
  }
}
