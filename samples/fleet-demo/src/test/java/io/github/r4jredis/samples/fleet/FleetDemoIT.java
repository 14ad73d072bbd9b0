package io.github.r4jredis.samples.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.samples.fleet.FleetDemo.FleetResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's first command, shortened: it runs to the end and its comparison holds. */
class FleetDemoIT {

  @Test
  void theSharedFleetWastesFewerCallsSendsFewerProbesAndLosesNoBooking() {
    StringWriter text = new StringWriter();
    FleetDemo demo = new FleetDemo(new PrintWriter(text, true));

    int code = new CommandLine(demo).execute("--nodes", "5", "--duration", "PT15S");

    assertThat(code).isZero();
    FleetResult shared = demo.result().shared();
    FleetResult independent = demo.result().independent();
    // The same load for both: every request offered (100/s for 15 s) was answered, one way or another.
    assertThat(shared.offered()).isEqualTo(independent.offered()).isEqualTo(1_500);
    assertThat(shared.answered()).isEqualTo(shared.offered());
    assertThat(independent.answered()).isEqualTo(independent.offered());
    assertThat(shared.wastedWhileClosed() + shared.trialsWhileDown())
        .isLessThan(independent.wastedWhileClosed() + independent.trialsWhileDown());
    assertThat(shared.trials()).isLessThan(independent.trials());
    assertThat(shared.staleReads()).isPositive();
    assertThat(independent.staleReads()).isZero();
    assertThat(shared.queuedBookings()).isPositive();
    assertThat(shared.refusedBookings()).isZero();
    assertThat(shared.bookingsLost()).isZero();
    assertThat(independent.refusedBookings()).isPositive();
    assertThat(text.toString())
        .contains("Redis: redis://", "Fleet: 5 nodes for PT15S")
        .contains("» calcom goes down", "» r4j-redis: all 5 nodes OPEN", "» calcom is back",
            "» r4j-redis: CLOSED on all 5 nodes", "» r4j-redis: retry queue drained")
        .contains("Summary", "requests offered / answered", "answered per second (asked: 100)",
            "bookings accepted but never made (must be 0)");
  }

  @Test
  void helpPrintsWithoutPicocliWarnings() {
    StringWriter usage = new StringWriter();
    PrintStream stderr = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      assertThat(new CommandLine(new FleetDemo(new PrintWriter(new StringWriter(), true)))
          .setOut(new PrintWriter(usage, true)).execute("--help")).isZero();
    } finally {
      System.setErr(stderr);
    }
    assertThat(usage.toString()).contains("calcom is down from 20% to 60% of it");
    assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }

  @Test
  void rejectsImpossibleOptionsWithTheirName() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FleetDemo(new PrintWriter(new StringWriter(), true)))
        .setErr(new PrintWriter(err, true));

    assertThat(cli.execute("--nodes", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--nodes must be in [1,500], was 0");
    assertThat(cli.execute("--duration", "PT5S")).isEqualTo(2);
    assertThat(err.toString()).contains("--duration must be in [PT15S,PT10M], was PT5S");
    assertThat(cli.execute("--rate", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("--rate must be in [10,5000], was 1");
  }
}
