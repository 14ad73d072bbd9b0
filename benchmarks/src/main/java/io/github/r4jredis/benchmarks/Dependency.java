package io.github.r4jredis.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The simulated downstream service: healthy, then failing from {@code failAt} for
 * {@code failFor}, in one of three patterns, or replaying a trace file. Calls take no real time;
 * their reported durations drive the slow-call rules.
 */
final class Dependency {

  /** How a failing dependency fails. */
  enum Pattern {
    /** Every call fails. */
    DOWN,
    /** Half the calls fail. */
    ERRORS50,
    /** Every call succeeds, slower than the slow-call threshold. */
    SLOW
  }

  /** One call's outcome. */
  enum Outcome {
    SUCCESS,
    FAILURE,
    SLOW_SUCCESS
  }

  private final long failAtNanos;
  private final long failUntilNanos;
  private final Pattern pattern;
  private final long[] traceTimes;
  private final Outcome[] traceOutcomes;

  private Dependency(long failAtNanos, long failUntilNanos, Pattern pattern, long[] times, Outcome[] outcomes) {
    this.failAtNanos = failAtNanos;
    this.failUntilNanos = failUntilNanos;
    this.pattern = pattern;
    this.traceTimes = times;
    this.traceOutcomes = outcomes;
  }

  /** A dependency that never fails. */
  static Dependency healthy() {
    return new Dependency(Long.MAX_VALUE, Long.MAX_VALUE, Pattern.DOWN, new long[0], new Outcome[0]);
  }

  static Dependency failing(long failAtMillis, long failForMillis, Pattern pattern) {
    return new Dependency(failAtMillis * 1_000_000, (failAtMillis + failForMillis) * 1_000_000, pattern,
        new long[0], new Outcome[0]);
  }

  /**
   * A trace of {@code <milliseconds since start>,<outcome>} lines (outcome: success, failure or
   * slow), sorted by time; from each line on, calls get that outcome. The failure window is
   * taken as the first to the last failing line.
   *
   * @throws IllegalArgumentException with the line number for a line that is not like that
   */
  static Dependency trace(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read trace " + file, e);
    }
    List<long[]> rows = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    long first = Long.MAX_VALUE;
    long last = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(",");
      Outcome outcome;
      long millis;
      try {
        millis = Long.parseLong(parts[0].trim());
        outcome = switch (parts[1].trim().toLowerCase(Locale.ROOT)) {
          case "success" -> Outcome.SUCCESS;
          case "failure" -> Outcome.FAILURE;
          case "slow" -> Outcome.SLOW_SUCCESS;
          default -> throw new IllegalArgumentException(parts[1]);
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(file + " line " + (i + 1)
            + ": expected '<milliseconds>,success|failure|slow', was '" + line + "'", e);
      }
      if (!rows.isEmpty() && millis < rows.get(rows.size() - 1)[0]) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": times must not decrease");
      }
      rows.add(new long[] {millis});
      outcomes.add(outcome);
      if (outcome != Outcome.SUCCESS) {
        first = Math.min(first, millis);
        last = Math.max(last, millis);
      }
    }
    long[] times = rows.stream().mapToLong(r -> r[0] * 1_000_000).toArray();
    return new Dependency(first == Long.MAX_VALUE ? Long.MAX_VALUE : first * 1_000_000,
        last < 0 ? Long.MAX_VALUE : last * 1_000_000, Pattern.DOWN, times, outcomes.toArray(Outcome[]::new));
  }

  /** Whether the dependency is failing at this time since the start. */
  boolean isFailing(long nanos) {
    return nanos >= failAtNanos && nanos < failUntilNanos;
  }

  long failAtNanos() {
    return failAtNanos;
  }

  long failUntilNanos() {
    return failUntilNanos;
  }

  /** The outcome of a call made at this time since the start. */
  Outcome call(long nanos) {
    if (traceTimes.length > 0) {
      int index = java.util.Arrays.binarySearch(traceTimes, nanos);
      int at = index >= 0 ? index : -index - 2;
      return at < 0 ? Outcome.SUCCESS : traceOutcomes[at];
    }
    if (!isFailing(nanos)) {
      return Outcome.SUCCESS;
    }
    return switch (pattern) {
      case DOWN -> Outcome.FAILURE;
      case ERRORS50 -> ThreadLocalRandom.current().nextBoolean() ? Outcome.FAILURE : Outcome.SUCCESS;
      case SLOW -> Outcome.SLOW_SUCCESS;
    };
  }
}
