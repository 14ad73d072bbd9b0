package io.github.r4jredis.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Smoke run: every benchmark method runs (against a Redis the test kit starts) and produces a
 * score. Not a timing claim.
 */
class HotPathBenchmarkIT {

  @Test
  void everyBenchmarkRunsAndReportsAScore() throws Exception {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include(HotPathBenchmark.class.getName())
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .build()).run();

    assertThat(results).extracting(r -> r.getParams().getBenchmark().replace(HotPathBenchmark.class.getName() + ".", ""))
        .containsExactlyInAnyOrder("direct", "plainResilience4j", "plainResilience4jOpen", "sharedClosed",
            "sharedClosedWithSlo", "sharedOpen", "naiveShared");
    assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }
}
