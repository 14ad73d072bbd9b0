package io.github.r4jredis.slo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class LatencyBucketsTest {

  @Test
  void bucketsDoubleEveryEightStepsFrom100Microseconds() {
    assertThat(LatencyBuckets.index(0)).isZero();
    assertThat(LatencyBuckets.index(100_000)).isZero();
    assertThat(LatencyBuckets.index(100_001)).isEqualTo(1);
    assertThat(LatencyBuckets.index(200_000)).isEqualTo(8);
    assertThat(LatencyBuckets.index(200_001)).isEqualTo(9);
    assertThat(LatencyBuckets.index(1_000_000_000)).isEqualTo(107); // 1 s: 8 x log2(10,000) = 106.3
    assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
    for (int i = 1; i < LatencyBuckets.COUNT - 1; i++) {
      long upper = (long) Math.floor(LatencyBuckets.upperNanos(i));
      assertThat(LatencyBuckets.index(upper)).as("upper bound of %d", i).isEqualTo(i);
    }
  }

  @Test
  void quantilesAreWithinABucketOfTheExactOnes() {
    long[] counts = new long[LatencyBuckets.COUNT];
    for (int millis = 1; millis <= 1000; millis++) { // 1 ms .. 1000 ms, one of each
      counts[LatencyBuckets.index(millis * 1_000_000L)]++;
    }

    assertThat(LatencyBuckets.quantile(counts, 0.5).toNanos() / 1e6).isCloseTo(500, offset(500 * 0.09));
    assertThat(LatencyBuckets.quantile(counts, 0.95).toNanos() / 1e6).isCloseTo(950, offset(950 * 0.09));
    assertThat(LatencyBuckets.quantile(counts, 0.99).toNanos() / 1e6).isCloseTo(990, offset(990 * 0.09));
    assertThat(LatencyBuckets.quantile(new long[LatencyBuckets.COUNT], 0.99)).isZero();
  }

}
