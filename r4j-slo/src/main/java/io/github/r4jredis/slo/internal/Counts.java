package io.github.r4jredis.slo.internal;

import java.util.List;

/**
 * A service's counts over a window: outcomes and latency buckets. Immutable.
 *
 * @param successes calls that succeeded
 * @param failures calls that failed
 * @param notPermitted calls rejected
 * @param ignored ignored errors
 * @param slow slow calls
 * @param fast calls within the latency objective's threshold
 * @param buckets latency bucket counts
 */
record Counts(long successes, long failures, long notPermitted, long ignored, long slow, long fast, long[] buckets) {

  /** From the field/count pairs of {@code window.lua}. */
  static Counts of(List<?> pairs) {
    long[] counters = new long[Recorder.COUNTERS.size()];
    long[] buckets = new long[LatencyBuckets.COUNT];
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      String field = String.valueOf(pairs.get(i));
      long value = Long.parseLong(String.valueOf(pairs.get(i + 1)));
      int counter = Recorder.COUNTERS.indexOf(field);
      if (counter >= 0) {
        counters[counter] = value;
      } else if (field.startsWith("h")) {
        int bucket = Integer.parseInt(field.substring(1));
        if (bucket >= 0 && bucket < buckets.length) {
          buckets[bucket] = value;
        }
      }
    }
    return new Counts(counters[0], counters[1], counters[2], counters[3], counters[4], counters[5], buckets);
  }

  /** These counts minus {@code earlier} ones (a window minus a shorter one ending at the same time). */
  Counts minus(Counts earlier) {
    long[] difference = new long[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      difference[i] = Math.max(0, buckets[i] - earlier.buckets[i]);
    }
    return new Counts(Math.max(0, successes - earlier.successes), Math.max(0, failures - earlier.failures),
        Math.max(0, notPermitted - earlier.notPermitted), Math.max(0, ignored - earlier.ignored),
        Math.max(0, slow - earlier.slow), Math.max(0, fast - earlier.fast), difference);
  }

  /** Requests: successes, failures and, when they count, rejected calls. */
  long requests(boolean notPermittedCounts) {
    return successes + failures + (notPermittedCounts ? notPermitted : 0);
  }

  /** Share of the calls made (successes and failures) within the latency threshold; 1 without any. */
  double withinThreshold() {
    long made = successes + failures;
    return made == 0 ? 1.0 : (double) fast / made;
  }

  /** Failed requests. */
  long bad(boolean notPermittedCounts) {
    return failures + (notPermittedCounts ? notPermitted : 0);
  }
}
