package io.github.r4jredis.samples.fleet;

import io.github.r4jredis.samples.fleet.DemoFleet.Transition;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.redisson.api.RedissonClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The README's first command: a fleet of nodes sharing one circuit breaker through Redis, and
 * beside it the same fleet with one plain Resilience4j breaker per node, both calling their own
 * copy of a dependency that dies and comes back on the same schedule. Narrates what happens,
 * then compares the two.
 */
@Command(
    name = "fleet-demo",
    mixinStandardHelpOptions = true,
    description = "A fleet of nodes sharing circuit breakers through Redis, against a flaky service.")
public final class FleetDemo implements Callable<Integer> {

  private static final long TICK_MILLIS = 50;
  private static final long PROGRESS_MILLIS = 2_000;

  @Spec CommandSpec spec;

  int nodes;

  @Option(names = "--nodes", defaultValue = "20", description = "Nodes in each fleet, 1-500 (default ${DEFAULT-VALUE}).")
  void setNodes(int nodes) {
    if (nodes < 1 || nodes > 500) {
      throw new ParameterException(spec.commandLine(), "--nodes must be in [1,500], was " + nodes);
    }
    this.nodes = nodes;
  }

  Duration duration;

  @Option(names = "--duration", defaultValue = "PT40S",
      description = "How long the scenario runs, 15s-10m (default ${DEFAULT-VALUE}); calcom is down from 20%% to 60%% of it.")
  void setDuration(Duration duration) {
    if (duration.compareTo(Duration.ofSeconds(15)) < 0 || duration.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ParameterException(spec.commandLine(), "--duration must be in [PT15S,PT10M], was " + duration);
    }
    this.duration = duration;
  }

  int rate;

  @Option(names = "--rate", defaultValue = "100",
      description = "Requests per second offered to each fleet, 10-5000 (default ${DEFAULT-VALUE}); the summary says the rate achieved.")
  void setRate(int rate) {
    if (rate < 10 || rate > 5000) {
      throw new ParameterException(spec.commandLine(), "--rate must be in [10,5000], was " + rate);
    }
    this.rate = rate;
  }

  private final PrintWriter out;
  private Result result;

  FleetDemo(PrintWriter out) {
    this.out = out;
  }

  /** Entry point of {@code mvn -B -q -pl samples/fleet-demo -am -DskipTests -Pdemo package}. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    System.exit(new CommandLine(new FleetDemo(out)).execute(args));
  }

  /** What one fleet went through, measured at the dependency and at the users. */
  record FleetResult(
      String label,
      long wastedWhileClosed,
      long trialsWhileDown,
      long trials,
      long openSpreadMillis,
      long closedAfterRecoveryMillis,
      long liveReads,
      long staleReads,
      long failedReads,
      long liveBookings,
      long queuedBookings,
      long refusedBookings,
      long bookingsMade,
      long offered,
      double achievedRate) {

    /** Requests whose user got an answer (live, stale, queued or an error). */
    long answered() {
      return liveReads + staleReads + failedReads + liveBookings + queuedBookings + refusedBookings;
    }

    /** Bookings a user was told were taken that calcom never got. Must be 0. */
    long bookingsLost() {
      return liveBookings + queuedBookings - bookingsMade;
    }
  }

  /** Both fleets, for tests and for the summary. */
  record Result(FleetResult shared, FleetResult independent) {}

  /** The result of the last run, for tests. */
  Result result() {
    return result;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    try (RedisServer redis = RedisServer.fromEnvironment();
        FlakyService sharedService = new FlakyService();
        FlakyService independentService = new FlakyService()) {
      String prefix = "demo-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
      out.printf("Redis: %s (%s)%n", redis.address(), redis.isManaged() ? "started for this demo" : "from REDIS_URL");
      out.printf("Fleet: %d nodes for %s, each fleet offered the same %d requests/s (80%% reads of free slots,"
          + " 20%% bookings)%n", nodes, duration, rate);
      out.printf("calcom is down from %.0fs to %.0fs. Breakers: COUNT_BASED window of 20, open at 50%% failures"
          + " after 10 calls, 4 s in OPEN, 3 trial calls in HALF_OPEN.%n", seconds(downAt()), seconds(upAt()));
      out.println("Two fleets run side by side, each against its own calcom:");
      out.println("  r4j-redis:   one breaker shared through Redis, stale cache and retry queue (r4j-fallback-chain)");
      out.println("  independent: one plain Resilience4j breaker per node, nothing shared");
      out.println();
      try (DemoFleet.Shared shared = new DemoFleet.Shared(nodes, sharedService, redis, prefix);
          DemoFleet.Independent independent = new DemoFleet.Independent(nodes, independentService)) {
        result = new Scenario(shared, independent).run();
      } finally {
        deleteKeys(redis, prefix);
      }
      printSummary(result);
    }
    return 0;
  }

  /** The demo leaves nothing behind in a Redis it was given. */
  private void deleteKeys(RedisServer redis, String prefix) {
    RedissonClient cleanup = redis.newRedisson();
    try {
      cleanup.getKeys().deleteByPattern(prefix + ":*");
    } catch (RuntimeException e) {
      out.println("(could not delete the demo's keys under " + prefix + ": " + e.getMessage() + ")");
    } finally {
      cleanup.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  private long downAt() {
    return duration.toMillis() / 5;
  }

  private long upAt() {
    return duration.toMillis() * 3 / 5;
  }

  private static double seconds(long millis) {
    return millis / 1000.0;
  }

  /** Runs the timeline on the calling thread, narrating as it goes. */
  private final class Scenario {
    private final DemoFleet.Shared shared;
    private final DemoFleet.Independent independent;
    private final FleetWatch sharedWatch;
    private final FleetWatch independentWatch;
    private long start;

    Scenario(DemoFleet.Shared shared, DemoFleet.Independent independent) {
      this.shared = shared;
      this.independent = independent;
      this.sharedWatch = new FleetWatch(shared);
      this.independentWatch = new FleetWatch(independent);
    }

    Result run() throws InterruptedException {
      start = System.nanoTime();
      long requests = rate * duration.toMillis() / 1000; // the same requests for both fleets
      shared.start(rate, requests);
      independent.start(rate, requests);
      out.printf("%7s  %-6s | %-26s %8s %6s %6s | %-26s %8s %6s%n", "time", "calcom",
          "r4j-redis breakers", "to calcom", "stale", "queued", "independent breakers", "to calcom", "errors");
      long nextProgress = 0;
      while (elapsed() < duration.toMillis()) {
        long t = elapsed();
        if (t >= downAt() && t < upAt() && !shared.service.isDown()) {
          shared.service.setDown(true);
          independent.service.setDown(true);
          say("calcom goes down: every request now fails with 503");
          sharedWatch.outageStarted();
          independentWatch.outageStarted();
        } else if (t >= upAt() && shared.service.isDown()) {
          shared.service.setDown(false);
          independent.service.setDown(false);
          say("calcom is back");
          sharedWatch.recovered();
          independentWatch.recovered();
        }
        sharedWatch.tick();
        independentWatch.tick();
        if (t >= nextProgress) {
          progress();
          nextProgress += PROGRESS_MILLIS;
        }
        Thread.sleep(TICK_MILLIS);
      }
      shared.stop();
      independent.stop();
      // Bookings queued in the last moments are still owed: the summary counts them made or lost.
      long owedSince = System.nanoTime();
      while (!shared.allBookingsMade() && System.nanoTime() - owedSince < TimeUnit.SECONDS.toNanos(10)) {
        sharedWatch.tick();
        Thread.sleep(TICK_MILLIS);
      }
      sharedWatch.tick();
      progress();
      return new Result(sharedWatch.result(), independentWatch.result());
    }

    private long elapsed() {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private void say(String what) {
      out.printf("%6.2fs  » %s%n", seconds(elapsed()), what);
    }

    private void progress() {
      DemoFleet.Tally s = shared.tally;
      DemoFleet.Tally i = independent.tally;
      out.printf("%6.1fs  %-6s | %-26s %8d %6d %6d | %-26s %8d %6d%n", seconds(elapsed()),
          shared.service.isDown() ? "DOWN" : "up",
          histogram(shared.states()), shared.service.requests(), s.staleReads.sum(), safeQueued(),
          histogram(independent.states()), independent.service.requests(),
          i.failedReads.sum() + i.refusedBookings.sum());
    }

    private long safeQueued() {
      try {
        return shared.queued();
      } catch (RuntimeException e) {
        return -1;
      }
    }

    /** Follows one fleet's transitions and narrates the milestones. */
    private final class FleetWatch {
      private final DemoFleet fleet;
      private final Map<Integer, Long> openedAt = new HashMap<>();
      private long outageNanos = -1;
      private long recoveredNanos = -1;
      private long openSpreadMillis = -1;
      private long closedAfterRecoveryMillis = -1;
      private boolean inHalfOpen;
      private boolean drainAnnounced;

      FleetWatch(DemoFleet fleet) {
        this.fleet = fleet;
      }

      void outageStarted() {
        outageNanos = System.nanoTime();
      }

      void recovered() {
        recoveredNanos = System.nanoTime();
      }

      void tick() {
        for (Transition t; (t = fleet.transitions.poll()) != null; ) {
          if (t.to() == State.OPEN && outageNanos > 0 && t.nanos() >= outageNanos) {
            openedAt.putIfAbsent(t.node(), t.nanos());
          }
        }
        if (outageNanos > 0 && openSpreadMillis < 0 && openedAt.size() == fleet.size) {
          long first = openedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
          long last = openedAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
          openSpreadMillis = TimeUnit.NANOSECONDS.toMillis(last - first);
          say(String.format(Locale.ROOT, "%s: all %d nodes OPEN, %d ms from the first to the last; %d calls reached"
              + " the dead calcom", fleet.label, fleet.size, openSpreadMillis, fleet.service.requestsWhileDown()));
        }
        Map<State, Integer> states = fleet.states(); // one look per tick at every node's breaker
        narrateHalfOpen(states);
        if (recoveredNanos > 0 && closedAfterRecoveryMillis < 0 && states.getOrDefault(State.CLOSED, 0) == fleet.size) {
          closedAfterRecoveryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - recoveredNanos);
          say(String.format(Locale.ROOT, "%s: CLOSED on all %d nodes, %.1f s after calcom came back",
              fleet.label, fleet.size, closedAfterRecoveryMillis / 1000.0));
        }
        if (fleet == shared && closedAfterRecoveryMillis >= 0 && !drainAnnounced
            && fleet.tally.queuedBookings.sum() > 0 && shared.allBookingsMade()) {
          drainAnnounced = true;
          say(String.format(Locale.ROOT, "%s: retry queue drained, all %d queued bookings made (%d sent twice,"
              + " absorbed by their idempotency key)", fleet.label, fleet.tally.queuedBookings.sum(),
              fleet.service.duplicateBookings()));
        }
      }

      /**
       * A HALF_OPEN episode of the shared fleet, told when it ends: how many trial calls the
       * whole fleet sent. (Independent nodes each run their own episodes: see the summary.)
       */
      private void narrateHalfOpen(Map<State, Integer> states) {
        if (fleet != shared) {
          return;
        }
        int halfOpen = states.getOrDefault(State.HALF_OPEN, 0);
        if (!inHalfOpen && halfOpen > 0) {
          inHalfOpen = true;
          say(String.format(Locale.ROOT, "%s: HALF_OPEN on %d of %d nodes; one node holds the fleet's trial lease",
              fleet.label, halfOpen, fleet.size));
        } else if (inHalfOpen && halfOpen == 0) {
          inHalfOpen = false;
          say(String.format(Locale.ROOT, "%s: calcom %s → %s (trial calls from the whole fleet so far: %d)",
              fleet.label, fleet.service.isDown() ? "still down" : "answered",
              states.getOrDefault(State.OPEN, 0) > 0 ? "OPEN again" : "CLOSED", fleet.service.trials()));
        }
      }

      FleetResult result() {
        DemoFleet.Tally t = fleet.tally;
        FlakyService s = fleet.service;
        return new FleetResult(fleet.label, s.requestsWhileDown() - s.trialsWhileDown(), s.trialsWhileDown(),
            s.trials(), openSpreadMillis, closedAfterRecoveryMillis, t.liveReads.sum(), t.staleReads.sum(),
            t.failedReads.sum(), t.liveBookings.sum(), t.queuedBookings.sum(), t.refusedBookings.sum(), s.bookings(),
            fleet.issued(), fleet.achievedRate());
      }
    }
  }

  /** "OPEN 17 CLOSED 3": nodes per state, most first. */
  static String histogram(Map<State, Integer> states) {
    return states.entrySet().stream()
        .sorted((a, b) -> b.getValue() - a.getValue())
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(" "));
  }

  private void printSummary(Result r) {
    FleetResult s = r.shared();
    FleetResult i = r.independent();
    out.println();
    out.println("Summary");
    String row = "  %-52s %18s %18s%n";
    out.printf(row, "", "r4j-redis", "independent R4j");
    out.printf(row, "requests offered / answered", s.offered() + " / " + s.answered(), i.offered() + " / " + i.answered());
    out.printf(row, "  answered per second (asked: " + rate + ")", perSecond(s.achievedRate()), perSecond(i.achievedRate()));
    out.printf(row, "calls that reached calcom while it was down", s.wastedWhileClosed() + s.trialsWhileDown(),
        i.wastedWhileClosed() + i.trialsWhileDown());
    out.printf(row, "  from CLOSED breakers, before they opened", s.wastedWhileClosed(), i.wastedWhileClosed());
    out.printf(row, "  HALF_OPEN trial calls", s.trialsWhileDown(), i.trialsWhileDown());
    out.printf(row, "HALF_OPEN trial calls in all", s.trials(), i.trials());
    out.printf(row, "first to last node OPEN", millis(s.openSpreadMillis()), millis(i.openSpreadMillis()));
    out.printf(row, "all nodes CLOSED after calcom came back", millis(s.closedAfterRecoveryMillis()),
        millis(i.closedAfterRecoveryMillis()));
    out.printf(row, "reads answered live / from stale cache / error",
        s.liveReads() + " / " + s.staleReads() + " / " + s.failedReads(),
        i.liveReads() + " / " + i.staleReads() + " / " + i.failedReads());
    out.printf(row, "bookings made at once / queued / refused",
        s.liveBookings() + " / " + s.queuedBookings() + " / " + s.refusedBookings(),
        i.liveBookings() + " / " + i.queuedBookings() + " / " + i.refusedBookings());
    out.printf(row, "bookings accepted but never made (must be 0)", s.bookingsLost(), "-");
    out.println();
    out.println("The shared breaker opened the whole fleet at once and let one node run the trial calls; the independent"
        + " breakers each paid for the outage themselves.");
  }

  private static String perSecond(double rate) {
    return String.format(Locale.ROOT, "%.0f/s", rate);
  }

  private static String millis(long millis) {
    if (millis < 0) {
      return "never";
    }
    return millis < 1000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }
}
