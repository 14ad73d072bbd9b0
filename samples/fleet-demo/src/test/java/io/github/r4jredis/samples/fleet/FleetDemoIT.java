package io.github.r4jredis.samples.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FleetDemoIT {

  @Test
  void startsItsOwnRedisAndReportsThePlan() {
    StringWriter text = new StringWriter();
    int code = new CommandLine(new FleetDemo(new PrintWriter(text, true))).execute("--nodes", "5", "--duration", "PT10S");

    assertThat(code).isZero();
    assertThat(text.toString()).contains("Redis: redis://").contains("Fleet: 5 nodes for PT10S");
  }

  @Test
  void rejectsAnImpossibleFleetSize() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new FleetDemo(new PrintWriter(new StringWriter(), true)))
        .setErr(new PrintWriter(err, true))
        .execute("--nodes", "0");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--nodes must be in [1,500], was 0");
  }
}
