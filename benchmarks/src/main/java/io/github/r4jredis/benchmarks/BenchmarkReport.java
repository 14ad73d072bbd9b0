package io.github.r4jredis.benchmarks;

import io.github.r4jredis.testkit.RedisServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs every fleet measurement the benchmarks page reports, reads the JMH results, and writes
 * {@code docs/benchmarks.md} with its charts. {@code benchmarks/run.sh} runs JMH first and then
 * this; every figure on the page comes from one run of it.
 */
@Command(name = "benchmark-report", mixinStandardHelpOptions = true,
    description = "Run the fleet benchmarks and write docs/benchmarks.md.")
public final class BenchmarkReport implements Callable<Integer> {

  @Option(names = "--jmh", split = ",", description = "JMH CSV result files (-rf csv), one per thread count.")
  List<Path> jmh = new ArrayList<>();

  @Option(names = "--docs", defaultValue = "docs", description = "Where benchmarks.md goes (default ${DEFAULT-VALUE}).")
  Path docs;

  @Option(names = "--sizes", split = ",", defaultValue = "10,25,50,100", description = "Fleet sizes (default ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(names = "--rate", defaultValue = "5000", description = "Calls/s of the outage scenarios (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--rates", split = ",", defaultValue = "1000,5000,10000,20000",
      description = "Rates of the 50-node rate comparison (default ${DEFAULT-VALUE}).")
  List<Double> rates;

  @Option(names = "--convergence-repetitions", defaultValue = "20", description = "Runs for the latency distribution (default ${DEFAULT-VALUE}).")
  int convergenceRepetitions;

  @Option(names = "--memory-breakers", defaultValue = "10000", description = "Breakers of the large memory run (default ${DEFAULT-VALUE}).")
  int memoryBreakers;

  private final PrintWriter progress = new PrintWriter(System.err, true);
  private final Map<String, Map<String, Double>> jmhScores = new LinkedHashMap<>();

  /** Runs the suite. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new BenchmarkReport()).execute(args));
  }

  private FleetSimulator simulator(int nodes, String... more) {
    return simulator(nodes, rate, more);
  }

  private static FleetSimulator simulator(int nodes, double rate, String... more) {
    FleetSimulator simulator = new FleetSimulator(new PrintWriter(System.err, true));
    List<String> args = new ArrayList<>(List.of("--nodes", Integer.toString(nodes),
        "--rate", String.format(Locale.ROOT, "%.0f", rate)));
    args.addAll(List.of(more));
    new CommandLine(simulator).parseArgs(args.toArray(String[]::new));
    return simulator;
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(docs.resolve("benchmarks"));
    StringBuilder md = new StringBuilder();
    try (RedisServer redis = RedisServer.fromEnvironment()) {
      RedissonClient admin = Clients.redisson(redis, null);
      String redisVersion = admin.getRedisNodes(RedisNodes.SINGLE).getInstance()
          .info(RedisNode.InfoSection.SERVER).get("redis_version");
      admin.shutdown();
      header(md, redisVersion);
      jmh(md);

      progress.println("wasted calls by fleet size");
      Map<Fleets.Design, Map<Integer, Double>> wasted = new LinkedHashMap<>();
      Map<Integer, Double> stopped = new LinkedHashMap<>();
      Map<Integer, Double> naiveRate = new LinkedHashMap<>();
      for (int size : sizes) {
        for (Fleets.Design design : Fleets.Design.values()) {
          FleetSimulator sim = simulator(size, "--until-stopped", "--repetitions", "3", "--run", "PT10S");
          List<Scenario.Result> runs = sim.simulate(redis, design);
          wasted.computeIfAbsent(design, d -> new LinkedHashMap<>()).put(size,
              Stats.percentile(runs.stream().map(r -> (double) r.wastedCalls()).toList(), 50));
          if (design == Fleets.Design.SHARED) {
            stopped.put(size, Stats.percentile(runs.stream().map(Scenario.Result::stoppedMillis).toList(), 50));
          }
          if (design == Fleets.Design.NAIVE) {
            naiveRate.put(size, Stats.mean(runs.stream().map(Scenario.Result::achievedRate).toList()));
          }
          progress.printf("  %d nodes %s: %s%n", size, design.id(), runs.stream().map(Scenario.Result::wastedCalls).toList());
        }
      }
      wastedSection(md, wasted, stopped, naiveRate);

      progress.println("wasted calls by rate, 50 nodes");
      md.append("### The same at 50 nodes, by call rate\n\n");
      md.append("Independent breakers waste 50 calls per node whatever the rate; the shared breaker wastes the"
          + " 50 its window needs plus what the fleet sends while the news spreads, which grows with the"
          + " rate.\n\n| calls/s | " + java.util.Arrays.stream(Fleets.Design.values()).map(Fleets.Design::label)
          .collect(Collectors.joining(" | ")) + " | independent / shared |\n|---|---|---|---|---|\n");
      for (double r : rates) {
        Map<Fleets.Design, Double> byDesign = new LinkedHashMap<>();
        for (Fleets.Design design : Fleets.Design.values()) {
          FleetSimulator sim = simulator(50, r, "--until-stopped", "--repetitions", "3", "--run", "PT10S");
          byDesign.put(design, Stats.percentile(sim.simulate(redis, design).stream()
              .map(x -> (double) x.wastedCalls()).toList(), 50));
        }
        md.append(String.format(Locale.ROOT, "| %.0f | %.0f | %.0f | %.0f | %.1fx |%n", r,
            byDesign.get(Fleets.Design.SHARED), byDesign.get(Fleets.Design.INDEPENDENT), byDesign.get(Fleets.Design.NAIVE),
            byDesign.get(Fleets.Design.INDEPENDENT) / byDesign.get(Fleets.Design.SHARED)));
      }
      md.append('\n');

      progress.println("against the floor");
      List<Double> floorRatios = floorSection(md, redis);

      progress.println("convergence at 50 nodes");
      List<Double> fanout = PubSubFanout.measure(redis, 50, convergenceRepetitions);
      Map<Fleets.Design, List<Double>> convergence = new LinkedHashMap<>();
      List<Double> loadedFanout = new ArrayList<>();
      for (Fleets.Design design : Fleets.Design.values()) {
        FleetSimulator sim = simulator(50, "--until-stopped", "--repetitions",
            Integer.toString(convergenceRepetitions), "--run", "PT10S");
        List<Scenario.Result> runs = sim.simulate(redis, design);
        convergence.put(design, runs.stream().map(Scenario.Result::convergenceMillis).filter(c -> c >= 0).toList());
        if (design == Fleets.Design.SHARED) {
          runs.stream().map(Scenario.Result::fanoutMillis).filter(f -> !f.isNaN()).forEach(loadedFanout::add);
        }
      }
      convergenceSection(md, convergence, fanout, loadedFanout);

      progress.println("one full outage at 50 nodes");
      List<Scenario.Result> outages = new ArrayList<>();
      for (Fleets.Design design : Fleets.Design.values()) {
        outages.addAll(simulator(50, "--fail-at", "PT1S", "--fail-for", "PT5S", "--run", "PT11S").simulate(redis, design));
      }
      outageSection(md, outages);

      progress.println("Redis commands per node");
      FleetSimulator base = simulator(50);
      double[] hotPath = CommandRate.hotPath(redis, base.config(), base.syncInterval);
      md.append(String.format(Locale.ROOT, "## Redis commands per protected call, hot path%n%n"
          + "One node calling as fast as one thread can for 3 s (%.0f calls): %.6f client commands"
          + " per call (flush pipelines, heartbeats). The naive design sends 2 per call.%n%n",
          hotPath[1], hotPath[0]));
      List<CommandRate.Result> commands = new ArrayList<>();
      for (Fleets.Design design : List.of(Fleets.Design.SHARED, Fleets.Design.NAIVE)) {
        for (double r : List.of(1_000d, 50_000d)) {
          commands.add(CommandRate.measure(redis, design, 50, r, base.config(), base.syncInterval));
        }
      }
      commandSection(md, commands);

      progress.println("Redis cost per node-breaker pair");
      List<PairCost.Result> pairs = new ArrayList<>();
      for (int[] shape : new int[][] {{10, 50, 20}, {20, 250, 4}, {20, 1000, 1}}) {
        for (java.time.Duration delay : List.of(java.time.Duration.ZERO,
            io.github.r4jredis.state.RedisCircuitBreakerRegistry.DEFAULT_MAX_FLUSH_DELAY)) {
          pairs.add(PairCost.measure(redis, shape[0], shape[1], shape[2], delay,
              java.time.Duration.ofSeconds(8), java.time.Duration.ofSeconds(15)));
          progress.printf("  %s%n", pairs.get(pairs.size() - 1));
        }
      }
      pairSection(md, pairs);

      progress.println("idle breakers");
      List<IdleRegistry.Result> idle = new ArrayList<>();
      for (int breakers : new int[] {20_000, 100_000}) {
        idle.add(IdleRegistry.measure(redis, breakers));
        progress.printf("  %s%n", idle.get(idle.size() - 1));
      }
      idleSection(md, idle);

      progress.println("memory per breaker");
      List<Memory.Result> memory = List.of(Memory.measure(redis, 1, true), Memory.measure(redis, memoryBreakers, true));
      memorySection(md, memory);

      targets(md, wasted, floorRatios, convergence, loadedFanout, outages, commands, memory, hotPath[0]);
    }
    Files.writeString(docs.resolve("benchmarks.md"), md.toString(), StandardCharsets.UTF_8);
    progress.println("wrote " + docs.resolve("benchmarks.md"));
    return 0;
  }

  private static void idleSection(StringBuilder md, List<IdleRegistry.Result> idle) {
    md.append("## Idle breakers, sync thread\n\n");
    md.append("One registry with N breakers, seeded, then never called, default settings (syncInterval 20 ms,"
        + " reconcileInterval 5 s): the sync thread's CPU over 5 s while the idle breakers are still visited every"
        + " tick (each breaker's first three reconcile intervals; every idle breaker, before they went cold), and"
        + " over 10 s once all are cold (visited once per reconcile interval). Target: idle breakers cost no"
        + " sync-thread CPU.\n\n");
    md.append("| idle breakers | visited every tick | cold | all cold after seeding |\n|---|---|---|---|\n");
    for (IdleRegistry.Result r : idle) {
      md.append(String.format(Locale.ROOT, "| %,d | %.1f %% of a core | %.1f %% of a core | %.0f s |%n",
          r.breakers(), r.hotPercent(), r.coldPercent(), r.coldAfterSeconds()));
    }
    md.append('\n');
  }

  private static void pairSection(StringBuilder md, List<PairCost.Result> pairs) {
    md.append("## Redis cost per node-breaker pair, healthy\n\n");
    md.append("N nodes (one registry and client each) with B breakers each, every pair called at a steady"
        + " rate with fast successes, COUNT_BASED 100 (minimum 20 calls), after 8 s of warm-up; measured"
        + " over 15 s from Redis's own `INFO cpu` and `INFO commandstats` (every command Redis ran, those"
        + " the scripts run inside it included). `maxFlushDelay` 0 sends every sync, as before 0.1.0's"
        + " cadence; the default holds fast successes up to 5 s while the fleet is CLOSED and far from"
        + " its thresholds. Targets: at most 20 µs of Redis CPU and 1 command per pair per second. At 20,000 pairs the 20 simulated nodes and Redis overload these two cores: pipelines of 1,000 scripts outlast the 250 ms response timeout and are sent again, whatever the cadence.\n\n");
    md.append("| pairs | nodes x breakers | calls/s per pair | maxFlushDelay | Redis CPU per pair per s |"
        + " Redis CPU s/s | commands per pair per s | scripts per pair per s |\n|---|---|---|---|---|---|---|---|\n");
    for (PairCost.Result r : pairs) {
      md.append(String.format(Locale.ROOT, "| %d | %d x %d | %.1f | %s | %.1f µs | %.3f | %.2f | %.2f |%n",
          r.pairs(), r.nodes(), r.breakers(), r.callsPerSecond() / r.pairs(),
          r.maxFlushDelay().isZero() ? "0 (every sync)" : r.maxFlushDelay().toSeconds() + " s",
          r.cpuMicrosPerPair(), r.cpuMicrosPerPair() * r.pairs() / 1e6, r.commandsPerPair(), r.scriptsPerPair()));
    }
    md.append('\n');
  }

  private void header(StringBuilder md, String redisVersion) throws IOException {
    String cpu = Files.exists(Path.of("/proc/cpuinfo"))
        ? Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
            .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown")
        : "unknown";
    md.append("# Benchmarks\n\n");
    md.append("Every figure on this page comes from one run of `benchmarks/run.sh` (JMH, then\n"
        + "`BenchmarkReport`, which runs the fleet simulator and writes this page and its charts).\n\n");
    md.append(String.format(Locale.ROOT, "- Date: %s%n- Machine: %d cores (%s), %d MiB heap max%n"
            + "- JDK: %s %s%n- Redis: %s on loopback, started by the test kit%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpu,
        Runtime.getRuntime().maxMemory() / (1024 * 1024), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), redisVersion));
    md.append("Every node of a simulated fleet runs in one JVM with its own RedissonClient (one\n"
        + "netty event loop group shared), on a 2-core machine that also runs Redis: the\n"
        + "fleet's threads compete for two cores, so latencies here are upper bounds of what\n"
        + "separate machines see.\n\n");
    List<String> jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
    if (!jvmArguments.isEmpty()) {
      md.append("JVM arguments: `").append(String.join(" ", jvmArguments)).append("`\n\n");
    }
  }

  private void jmh(StringBuilder md) throws IOException {
    md.append("## Hot path: one protected call (JMH)\n\n");
    md.append("`HotPathBenchmark`: a no-op supplier decorated by each design, average time per call;\n"
        + "OPEN rejects with stack traces off. Allocation from `-prof gc` (the shared breaker's\n"
        + "sync thread allocates in the background: it shows up spread over the calls).\n\n");
    if (jmh.isEmpty()) {
      md.append("(no JMH results given)\n\n");
      return;
    }
    md.append("| benchmark | threads | ns/op | ± | B/op |\n|---|---|---|---|---|\n");
    for (Path file : jmh) {
      Map<String, String[]> rows = new LinkedHashMap<>();
      Map<String, String> alloc = new LinkedHashMap<>();
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
        if (f.length < 7 || f[0].startsWith("\"Benchmark\"")) {
          continue;
        }
        String name = f[0].replace("\"", "");
        String shortName = name.substring(name.lastIndexOf('.') + 1);
        if (name.endsWith(":·gc.alloc.rate.norm") || name.endsWith(":gc.alloc.rate.norm")) {
          String base = name.substring(0, name.indexOf(':'));
          alloc.put(base.substring(base.lastIndexOf('.') + 1), f[4]);
        } else if (!name.contains(":")) {
          rows.put(shortName, f);
          jmhScores.computeIfAbsent(f[2], t -> new LinkedHashMap<>()).put(shortName, Double.parseDouble(f[4]));
        }
      }
      for (Map.Entry<String, String[]> row : rows.entrySet()) {
        String[] f = row.getValue();
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %s |%n", row.getKey(), f[2],
            Double.parseDouble(f[4]), parse(f[5]), alloc.getOrDefault(row.getKey(), "-")));
      }
    }
    md.append('\n');
  }

  private static double parse(String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private void wastedSection(StringBuilder md, Map<Fleets.Design, Map<Integer, Double>> wasted,
      Map<Integer, Double> stopped, Map<Integer, Double> naiveRate) throws IOException {
    md.append("## Calls that reach a dead dependency\n\n");
    md.append(String.format(Locale.ROOT, "The fleet calls at %.0f calls/s in total (spread evenly), each node's"
        + " breaker is COUNT_BASED 100 calls, minimum 100, threshold 50 %%, and the window is full of"
        + " successes when the dependency dies: 50 failures are needed to reach the threshold. Counted:"
        + " calls that reached the dependency from its death until every node rejects. Median of 3"
        + " runs each (after a healthy warm-up).%n%n", rate));
    md.append("| nodes | " + wasted.keySet().stream().map(Fleets.Design::label).collect(Collectors.joining(" | "))
        + " | independent / shared | shared: last node rejecting after (ms) | naive: calls/s it managed |\n");
    md.append("|---|" + "---|".repeat(wasted.size() + 3) + "\n");
    for (int size : sizes) {
      md.append("| ").append(size);
      for (Fleets.Design design : wasted.keySet()) {
        md.append(String.format(Locale.ROOT, " | %.0f", wasted.get(design).get(size)));
      }
      md.append(String.format(Locale.ROOT, " | %.1fx | %.1f | %.0f |%n",
          wasted.get(Fleets.Design.INDEPENDENT).get(size) / wasted.get(Fleets.Design.SHARED).get(size),
          stopped.get(size), naiveRate.getOrDefault(size, Double.NaN)));
    }
    md.append("\nThe naive design reads Redis on every call, so each node sees the OPEN breaker at its"
        + " next call, with no propagation, and wastes what its window needs plus a round trip of calls. Its price is a Redis round trip inside every"
        + " call and two Redis commands per call (hot path and command tables below); the last column is"
        + " the call rate it sustained.\n\n");
    md.append("\n![wasted calls vs fleet size](benchmarks/wasted-calls.png)\n\n");
    XYChart chart = new XYChartBuilder().width(800).height(450).title("Calls reaching a dead dependency")
        .xAxisTitle("nodes").yAxisTitle("calls").build();
    chart.getStyler().setYAxisLogarithmic(true);
    for (Map.Entry<Fleets.Design, Map<Integer, Double>> series : wasted.entrySet()) {
      chart.addSeries(series.getKey().label(), new ArrayList<>(series.getValue().keySet()),
          new ArrayList<>(series.getValue().values())).setMarker(SeriesMarkers.CIRCLE);
    }
    BitmapEncoder.saveBitmap(chart, docs.resolve("benchmarks/wasted-calls.png").toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private void convergenceSection(StringBuilder md, Map<Fleets.Design, List<Double>> convergence,
      List<Double> fanout, List<Double> loadedFanout) throws IOException {
    md.append("## Convergence: first node rejecting to last node rejecting (50 nodes)\n\n");
    md.append(String.format(Locale.ROOT, "%d outages per design. For the shared breaker and independent"
        + " breakers, when each node's breaker transitioned to OPEN; for the naive design (no"
        + " events), each node's first rejected call. The raw pub/sub fan-out is one PUBLISH reaching"
        + " 50 Redisson clients, measured in the same run: idle, and under the fleet's load (a probe"
        + " script that publishes to the shared fleet's own 50 clients, 300 ms before each failure).%n%n", convergenceRepetitions));
    md.append("| | p50 (ms) | p99 (ms) | runs |\n|---|---|---|---|\n");
    md.append(String.format(Locale.ROOT, "| raw pub/sub fan-out to 50 idle clients | %.1f | %.1f | %d |%n",
        Stats.percentile(fanout, 50), Stats.percentile(fanout, 99), fanout.size()));
    md.append(String.format(Locale.ROOT, "| raw pub/sub fan-out to the fleet's 50 clients, under load | %.1f | %.1f | %d |%n",
        Stats.percentile(loadedFanout, 50), Stats.percentile(loadedFanout, 99), loadedFanout.size()));
    for (Map.Entry<Fleets.Design, List<Double>> entry : convergence.entrySet()) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d |%n", entry.getKey().label(),
          Stats.percentile(entry.getValue(), 50), Stats.percentile(entry.getValue(), 99), entry.getValue().size()));
    }
    md.append("\nIndependent breakers \"converge\" within one call of each node (each trips on its own 50th"
        + " failure): each pays its own 50.\n\n");
    md.append("![convergence distribution](benchmarks/convergence.png)\n\n");
    XYChart chart = new XYChartBuilder().width(800).height(450).title("Convergence, 50 nodes (CDF)")
        .xAxisTitle("ms").yAxisTitle("fraction of runs").build();
    addCdf(chart, "raw fan-out, idle clients", fanout);
    addCdf(chart, "raw fan-out, under load", loadedFanout);
    for (Map.Entry<Fleets.Design, List<Double>> entry : convergence.entrySet()) {
      addCdf(chart, entry.getKey().label(), entry.getValue());
    }
    BitmapEncoder.saveBitmap(chart, docs.resolve("benchmarks/convergence.png").toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void addCdf(XYChart chart, String name, List<Double> values) {
    if (values.isEmpty()) {
      return;
    }
    List<Double> sorted = values.stream().sorted().toList();
    List<Double> fractions = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      fractions.add((i + 1) / (double) sorted.size());
    }
    chart.addSeries(name, sorted, fractions).setMarker(SeriesMarkers.NONE);
  }

  private void outageSection(StringBuilder md, List<Scenario.Result> outages) {
    md.append("## One outage: trial calls and recovery (50 nodes)\n\n");
    md.append(String.format(Locale.ROOT, "The dependency dies 1 s in, for 5 s; wait in OPEN 2 s,"
        + " permittedNumberOfCallsInHalfOpenState 10, %.0f calls/s. Trial calls: calls that reached the"
        + " still-dead dependency after every node rejected, grouped by HALF_OPEN episode. Recovery: from"
        + " the dependency's recovery until every node has called it successfully.%n%n", rate));
    md.append("| design | wasted before stopping | trial calls per episode | recovery (ms) |\n|---|---|---|---|\n");
    for (Scenario.Result r : outages) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", r.design().label(), r.wastedCalls(),
          r.trialCalls(), FleetSimulator.fmt(r.recoveryMillis())));
    }
    md.append("\nThe simulated calls take no time, so the naive design's HALF_OPEN, which lets every caller"
        + " through until the first outcome is recorded, shows few trial calls here; with a dependency"
        + " that takes seconds to fail, every caller in that window is a trial call.\n\n");
  }

  private void commandSection(StringBuilder md, List<CommandRate.Result> commands) {
    md.append("## Redis commands per node (healthy traffic, 50 nodes, 5 s)\n\n");
    md.append("Commands the clients sent, from `INFO commandstats` before and after (the commands a"
        + " script runs inside Redis are not counted). The naive design cannot reach 50k calls/s here:"
        + " each call waits for a round trip.\n\n");
    md.append("| design | target calls/s | achieved calls/s | commands/s per node | commands per call |\n"
        + "|---|---|---|---|---|\n");
    for (CommandRate.Result r : commands) {
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.4f |%n", r.design().label(), r.targetRate(),
          r.achievedRate(), r.commandsPerNodePerSecond(), r.commandsPerCall()));
    }
    md.append('\n');
  }

  private void memorySection(StringBuilder md, List<Memory.Result> memory) {
    md.append("## Redis memory per breaker\n\n");
    md.append("`MEMORY USAGE` summed over a breaker's keys (mean over up to 200 sampled breakers):"
        + " right after creation, and after 61 s of one call per second per breaker in a 60 s"
        + " TIME_BASED window (60 per-second buckets, the node's entry).\n\n");
    md.append("| breakers | idle (bytes) | full 60 s window (bytes) |\n|---|---|---|\n");
    for (Memory.Result r : memory) {
      md.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f |%n", r.breakers(), r.idleBytes(), r.fullWindowBytes()));
    }
    md.append('\n');
  }

  /**
   * Calls that reach a dead dependency against the floor of a push design, measured in the same
   * run: the calls one ideal breaker needs (every call of the fleet in one Resilience4j breaker)
   * plus the rate times the under-load fan-out of one message to the fleet's clients; and where
   * the time went, leg by leg (medians over the runs).
   */
  private List<Double> floorSection(StringBuilder md, RedisServer redis) throws IOException {
    List<Double> ratios = new ArrayList<>();
    md.append("### Against the floor\n\n"
        + "The floor of any design that pushes the news: the failures one ideal breaker needs (one Resilience4j"
        + " breaker fed every call of the fleet, in order, as if the fleet were one process; it opens the moment"
        + " the threshold is crossed) plus what the fleet sends while one message reaches its last client"
        + " (a script that publishes, to the fleet's own clients under the same load, 300 ms before the failure of"
        + " each run). Where the time goes: until the ideal breaker opens (the calls any breaker needs); from"
        + " then until the first node rejects (the failures reaching Redis, Redis deciding); from then until the"
        + " last node rejects (the news spreading). Medians of 3 runs; calls that reached the dead dependency in"
        + " parentheses.\n\n"
        + "| nodes | window | calls/s | r4j-redis (shared) | floor | shared / floor | until the ideal breaker opens"
        + " | then until the first node rejects | then until the last node rejects |\n"
        + "|---|---|---|---|---|---|---|---|---|\n");
    // TIME_BASED of 5 s, not 1: a window of one bucket empties at every second, wherever the failure falls in it.
    String[][] windows = {{"COUNT_BASED", "20", "20"}, {"COUNT_BASED", "100", "100"}, {"TIME_BASED", "5", "100"}};
    for (int nodes : List.of(20, 50)) {
      for (String[] window : windows) {
        for (double r : List.of(2_500d, 20_000d)) {
          List<Scenario.Result> runs = simulator(nodes, r, "--until-stopped", "--repetitions", "3", "--run", "PT10S",
              "--window-type", window[0], "--window-size", window[1], "--minimum-calls", window[2])
              .simulate(redis, Fleets.Design.SHARED);
          List<Scenario.Path> paths = runs.stream().map(Scenario.Result::path).filter(p -> p != null).toList();
          double wasted = Stats.percentile(runs.stream().map(x -> (double) x.wastedCalls()).toList(), 50);
          double floor = Stats.percentile(runs.stream().map(Scenario.Result::floor).filter(f -> !f.isNaN()).toList(), 50);
          progress.printf("  %d nodes, %s %s, %.0f calls/s: %s, floor %.0f%n", nodes, window[0], window[1], r,
              runs.stream().map(Scenario.Result::wastedCalls).toList(), floor);
          ratios.add(wasted / floor);
          md.append(String.format(Locale.ROOT, "| %d | %s %s%s | %.0f | %.0f | %.0f | %.2fx | %s | %s | %s |%n", nodes,
              window[0], window[1], window[0].equals("TIME_BASED") ? " s" : "", r, wasted, floor, wasted / floor,
              leg(paths, Scenario.Path::idealMillis, Scenario.Path::idealCalls),
              leg(paths, Scenario.Path::decidedMillis, Scenario.Path::decidedCalls),
              leg(paths, Scenario.Path::spreadMillis, Scenario.Path::spreadCalls)));
        }
      }
    }
    md.append('\n');
    return ratios;
  }

  private static String leg(List<Scenario.Path> paths, java.util.function.ToDoubleFunction<Scenario.Path> millis,
      java.util.function.ToLongFunction<Scenario.Path> calls) {
    if (paths.isEmpty()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f ms (%.0f)", Stats.percentile(paths.stream().map(millis::applyAsDouble).toList(), 50),
        Stats.percentile(paths.stream().map(p -> (double) calls.applyAsLong(p)).toList(), 50));
  }

  private void targets(StringBuilder md, Map<Fleets.Design, Map<Integer, Double>> wasted, List<Double> floorRatios,
      Map<Fleets.Design, List<Double>> convergence, List<Double> fanout, List<Scenario.Result> outages,
      List<CommandRate.Result> commands, List<Memory.Result> memory, double hotPathCommands) {
    md.append("## Targets\n\n");
    md.append(String.format(Locale.ROOT, "- Hot path: %.6f Redis commands per call (target at most 0.01).%n",
        hotPathCommands));
    jmhScores.forEach((threads, scores) -> {
      Double plain = scores.get("plainResilience4j");
      Double shared = scores.get("sharedClosed");
      if (plain != null && shared != null) {
        md.append(String.format(Locale.ROOT, "- Hot path in CLOSED, %s thread(s): %.1f ns per call against plain"
            + " Resilience4j's %.1f ns, %.2fx its throughput (target at least 0.9x).%n", threads, shared, plain,
            plain / shared));
      }
      Double slo = scores.get("sharedClosedWithSlo");
      if (shared != null && slo != null) {
        md.append(String.format(Locale.ROOT, "- An SLO monitor bound to the breaker, %s thread(s): %.1f ns per call"
            + " against %.1f ns without, %+.1f ns for its call observer (target at most +20 ns, 0 B).%n",
            threads, slo, shared, slo - shared));
      }
    });
    double shared50 = wasted.get(Fleets.Design.SHARED).getOrDefault(50, Double.NaN);
    double independent50 = wasted.get(Fleets.Design.INDEPENDENT).getOrDefault(50, Double.NaN);
    md.append(String.format(Locale.ROOT, "- 50 nodes at %.0f calls/s: %.0f calls reached the dead dependency"
        + " (independent breakers: %.0f, %.1fx more; target at least 10x).%n", rate, shared50, independent50,
        independent50 / shared50));
    md.append(String.format(Locale.ROOT, "- Calls that reached a dead dependency against the floor measured in the same"
        + " run: %.2fx to %.2fx over %d configurations (target at most 1.25x).%n",
        floorRatios.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).min().orElse(Double.NaN),
        floorRatios.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).max().orElse(Double.NaN),
        floorRatios.stream().filter(r -> !Double.isNaN(r)).count()));
    double sharedP50 = Stats.percentile(convergence.get(Fleets.Design.SHARED), 50);
    double fanoutP50 = Stats.percentile(fanout, 50);
    md.append(String.format(Locale.ROOT, "- Convergence p50 %.1f ms vs raw fan-out to the same clients under the"
        + " same load p50 %.1f ms: %.2fx (target at most 1.25x).%n", sharedP50, fanoutP50, sharedP50 / fanoutP50));
    outages.stream().filter(r -> r.design() == Fleets.Design.SHARED).findFirst().ifPresent(r ->
        md.append(String.format(Locale.ROOT, "- HALF_OPEN trial calls per episode: %s (target: exactly 10).%n",
            r.trialCalls())));
    List<CommandRate.Result> shared = commands.stream().filter(c -> c.design() == Fleets.Design.SHARED).toList();
    if (shared.size() == 2) {
      md.append(String.format(Locale.ROOT, "- Commands/s per node, shared: %.1f at 1k calls/s, %.1f at 50k"
              + " calls/s (bounded by one pipeline per syncInterval, 50/s at 20 ms; fewer when a node"
              + " has no new outcome in an interval); commands per call at 50k: %.4f.%n",
          shared.get(0).commandsPerNodePerSecond(), shared.get(1).commandsPerNodePerSecond(),
          shared.get(1).commandsPerCall()));
    }
    md.append(String.format(Locale.ROOT, "- Memory per idle breaker: %.0f bytes (target at most 500).%n",
        memory.get(0).idleBytes()));
    md.append('\n');
  }
}
