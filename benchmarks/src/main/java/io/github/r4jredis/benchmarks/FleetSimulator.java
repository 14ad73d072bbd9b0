package io.github.r4jredis.benchmarks;

import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Simulates an outage against a fleet of N nodes, the same scenario three ways: the shared
 * breaker, N independent Resilience4j breakers, and the naive per-call Redis breaker. Use it to
 * tune thresholds for your own traffic before production: replay a trace of your dependency
 * ({@code --trace}) at your rate and fleet size.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.r4jredis.benchmarks.FleetSimulator --nodes 50 --rate 10000}
 */
@Command(name = "fleet-simulator", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Simulate an outage against a fleet: shared breaker vs independent vs naive.")
public final class FleetSimulator implements Callable<Integer> {

  @Spec CommandSpec spec;

  int nodes;

  double rate;

  @Option(names = "--nodes", defaultValue = "50", description = "Nodes in the fleet, 1-1000 (default ${DEFAULT-VALUE}).")
  void setNodes(int nodes) {
    if (nodes < 1 || nodes > 1000) {
      throw new ParameterException(spec.commandLine(), "--nodes must be in [1,1000], was " + nodes);
    }
    this.nodes = nodes;
  }

  @Option(names = "--rate", defaultValue = "10000", description = "Calls per second, whole fleet (default ${DEFAULT-VALUE}).")
  void setRate(double rate) {
    if (!(rate > 0 && rate <= 1_000_000)) {
      throw new ParameterException(spec.commandLine(), "--rate must be in (0,1000000], was " + rate);
    }
    this.rate = rate;
  }

  @Option(names = "--designs", split = ",", defaultValue = "shared,independent,naive",
      description = "Which designs to run: shared, independent, naive (default ${DEFAULT-VALUE}).")
  List<String> designs;

  @Option(names = "--window-type", defaultValue = "COUNT_BASED", description = "COUNT_BASED or TIME_BASED (default ${DEFAULT-VALUE}).")
  SlidingWindowType windowType;

  @Option(names = "--window-size", defaultValue = "100", description = "Calls, or seconds (default ${DEFAULT-VALUE}).")
  int windowSize;

  @Option(names = "--minimum-calls", defaultValue = "100", description = "minimumNumberOfCalls (default ${DEFAULT-VALUE}).")
  int minimumCalls;

  @Option(names = "--failure-rate-threshold", defaultValue = "50", description = "Percent (default ${DEFAULT-VALUE}).")
  float failureRateThreshold;

  @Option(names = "--slow-call-rate-threshold", defaultValue = "100", description = "Percent (default ${DEFAULT-VALUE}).")
  float slowCallRateThreshold;

  @Option(names = "--slow-call-duration", defaultValue = "PT1S", description = "slowCallDurationThreshold (default ${DEFAULT-VALUE}).")
  Duration slowCallDuration;

  @Option(names = "--wait-in-open", defaultValue = "PT2S", description = "waitDurationInOpenState (default ${DEFAULT-VALUE}).")
  Duration waitInOpen;

  @Option(names = "--permitted-in-half-open", defaultValue = "10", description = "permittedNumberOfCallsInHalfOpenState (default ${DEFAULT-VALUE}).")
  int permittedInHalfOpen;

  @Option(names = "--sync-interval", defaultValue = "PT0.02S", description = "Shared breaker's syncInterval (default ${DEFAULT-VALUE}).")
  Duration syncInterval;

  @Option(names = "--pattern", defaultValue = "DOWN", description = "DOWN, ERRORS50 or SLOW (default ${DEFAULT-VALUE}).")
  Dependency.Pattern pattern;

  @Option(names = "--fail-at", defaultValue = "PT1S", description = "When the dependency fails (default ${DEFAULT-VALUE}).")
  Duration failAt;

  @Option(names = "--fail-for", defaultValue = "PT5S", description = "How long it fails (default ${DEFAULT-VALUE}).")
  Duration failFor;

  @Option(names = "--run", defaultValue = "PT10S", description = "Length of one run (default ${DEFAULT-VALUE}).")
  Duration run;

  @Option(names = "--trace", description = "Replay '<ms>,success|failure|slow' lines instead of --pattern.")
  @Nullable Path trace;

  int repetitions;

  @Option(names = "--repetitions", defaultValue = "1", description = "Runs per design, at least 1 (default ${DEFAULT-VALUE}).")
  void setRepetitions(int repetitions) {
    if (repetitions < 1) {
      throw new ParameterException(spec.commandLine(), "--repetitions must be at least 1, was " + repetitions);
    }
    this.repetitions = repetitions;
  }

  @Option(names = "--warmup", defaultValue = "PT3S",
      description = "Healthy traffic before the first run, for the JIT (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--until-stopped", description = "End each run once every node rejects (convergence runs).")
  boolean untilStopped;

  @Option(names = "--csv", description = "Append one line per run to this CSV file.")
  @Nullable Path csv;

  private final PrintWriter out;

  FleetSimulator(PrintWriter out) {
    this.out = out;
  }

  /** Runs the simulator; exits with 0, 1 on failure, 2 on bad options. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new FleetSimulator(new PrintWriter(System.out, true))).execute(args));
  }

  CircuitBreakerConfig config() {
    return CircuitBreakerConfig.custom()
        .slidingWindow(windowSize, minimumCalls, windowType)
        .failureRateThreshold(failureRateThreshold)
        .slowCallRateThreshold(slowCallRateThreshold)
        .slowCallDurationThreshold(slowCallDuration)
        .waitDurationInOpenState(waitInOpen)
        .permittedNumberOfCallsInHalfOpenState(permittedInHalfOpen)
        .writableStackTraceEnabled(false)
        .build();
  }

  Dependency dependency() {
    return trace != null ? Dependency.trace(trace) : Dependency.failing(failAt.toMillis(), failFor.toMillis(), pattern);
  }

  Scenario.Settings settings() {
    return new Scenario.Settings(rate, run.toMillis(), untilStopped, waitInOpen.toMillis() / 2,
        slowCallDuration.toNanos() * 2, config());
  }

  @Override
  public Integer call() throws Exception {
    try (RedisServer redis = RedisServer.fromEnvironment()) {
      out.printf("Redis %s; %d nodes, %.0f calls/s, %s window %d, minimum %d calls, %.0f%% threshold, %s %s%n",
          redis.address(), nodes, rate, windowType, windowSize, minimumCalls, failureRateThreshold,
          trace != null ? "trace " + trace : pattern, trace != null ? "" : "from " + failAt + " for " + failFor);
      List<Scenario.Result> all = new ArrayList<>();
      for (String name : designs) {
        Fleets.Design design = Fleets.Design.valueOf(name.trim().toUpperCase(Locale.ROOT));
        all.addAll(simulate(redis, design));
      }
      print(all);
    }
    return 0;
  }

  /** Runs {@code repetitions} outages against one design. */
  List<Scenario.Result> simulate(RedisServer redis, Fleets.Design design) throws IOException {
    List<Scenario.Result> results = new ArrayList<>();
    String prefix = "sim-" + ProcessHandle.current().pid() + "-" + design.id() + "-" + System.nanoTime() % 100000;
    try (Fleets fleet = Fleets.create(design, redis, nodes, config(), syncInterval, prefix)) {
      if (!warmup.isZero()) {
        Scenario.run(fleet, Dependency.healthy(), new Scenario.Settings(rate, warmup.toMillis(), false, 1, 1));
      }
      for (int rep = 0; rep < repetitions; rep++) {
        fleet.reset();
        Scenario.Result result = Scenario.run(fleet, dependency(), settings());
        results.add(result);
        appendCsv(result);
      }
    }
    return results;
  }

  private void appendCsv(Scenario.Result r) throws IOException {
    if (csv == null) {
      return;
    }
    boolean header = !Files.exists(csv);
    String line = String.join(",", r.design().id(), Integer.toString(r.nodes()), String.format(Locale.ROOT, "%.0f", r.rate()),
        Long.toString(r.wastedCalls()), fmt(r.stoppedMillis()), fmt(r.convergenceMillis()),
        r.trialCalls().stream().map(String::valueOf).collect(Collectors.joining(" ")), fmt(r.recoveryMillis()),
        Long.toString(r.calls()));
    Files.writeString(csv, (header ? "design,nodes,rate,wasted,stopped_ms,convergence_ms,trials,recovery_ms,calls\n" : "")
        + line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private void print(List<Scenario.Result> results) {
    out.printf("%-26s %6s %8s %8s %12s %16s %-24s %12s%n", "design", "nodes", "rate", "wasted",
        "stopped(ms)", "convergence(ms)", "trial calls/episode", "recovery(ms)");
    for (Scenario.Result r : results) {
      out.printf(Locale.ROOT, "%-26s %6d %8.0f %8d %12s %16s %-24s %12s%n", r.design().label(), r.nodes(), r.rate(),
          r.wastedCalls(), fmt(r.stoppedMillis()), fmt(r.convergenceMillis()), r.trialCalls(), fmt(r.recoveryMillis()));
      Scenario.Path p = r.path();
      if (p != null) {
        out.printf(Locale.ROOT, "  %s: ideal breaker open after %.1f ms (%d calls); first node after %.1f ms more"
            + " (%d calls); last node after %.1f ms more (%d calls); floor %.0f calls%n", r.design().id(), p.idealMillis(),
            p.idealCalls(), p.decidedMillis(), p.decidedCalls(), p.spreadMillis(), p.spreadCalls(), r.floor());
      }
    }
  }

  static String fmt(double millis) {
    return millis < 0 ? "never" : String.format(Locale.ROOT, "%.1f", millis);
  }
}
