package io.github.r4jredis.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Smoke run of the fleet simulator (small fleet, seconds): exactness only, never wall-clock
 * thresholds. The fleet stops, each HALF_OPEN episode of the shared breaker has exactly the
 * permitted trial calls, and sharing wastes fewer calls than independent breakers.
 */
@RedisTest
class FleetSimulatorIT {

  private static FleetSimulator simulator(String... args) {
    FleetSimulator simulator = new FleetSimulator(new PrintWriter(new StringWriter(), true));
    new CommandLine(simulator).parseArgs(args);
    return simulator;
  }

  @Test
  void sharedBreakerStopsTheFleetAndProbesWithExactlyThePermittedCalls(RedisServer redis) throws Exception {
    String[] args = {"--nodes", "5", "--rate", "2000", "--warmup", "PT1S", "--fail-at", "PT0.5S",
        "--fail-for", "PT3S", "--wait-in-open", "PT1S", "--permitted-in-half-open", "4", "--run", "PT5S"};

    Scenario.Result shared = simulator(args).simulate(redis, Fleets.Design.SHARED).get(0);
    Scenario.Result independent = simulator(args).simulate(redis, Fleets.Design.INDEPENDENT).get(0);

    assertThat(shared.stoppedMillis()).as("every node rejects").isNotNegative();
    assertThat(shared.trialCalls()).isNotEmpty().allMatch(trials -> trials == 4);
    assertThat(shared.recoveryMillis()).as("every node calls again after recovery").isNotNegative();
    assertThat(independent.stoppedMillis()).isNotNegative();
    assertThat(shared.wastedCalls()).isLessThan(independent.wastedCalls());
  }

  @Test
  void replaysATraceAndRefusesAMalformedOne(RedisServer redis, @TempDir Path dir) throws Exception {
    Path trace = Files.writeString(dir.resolve("trace.csv"), "# ms,outcome\n0,success\n500,failure\n2500,success\n");
    Scenario.Result result = simulator("--nodes", "3", "--rate", "1500", "--warmup", "PT0S",
        "--trace", trace.toString(), "--run", "PT3S").simulate(redis, Fleets.Design.SHARED).get(0);
    assertThat(result.stoppedMillis()).isNotNegative();

    Path bad = Files.writeString(dir.resolve("bad.csv"), "0,success\nsoon,failure\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dependency.trace(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(bad + " line 2: expected '<milliseconds>,success|failure|slow', was 'soon,failure'");
  }

  @Test
  void rejectsImpossibleOptionsWithAUsageError() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new FleetSimulator(new PrintWriter(new StringWriter(), true)))
        .setErr(new PrintWriter(err, true))
        .execute("--nodes", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--nodes must be in [1,1000], was 0");
    assertThat(List.of(Fleets.Design.values())).hasSize(3);
  }
}
