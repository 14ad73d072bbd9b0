package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The settings every fleet component's builder shares: one rule, one default, chained as its own. */
class FleetComponentBuilderTest {

  /** A component's builder, as the modules' builders extend it. */
  static final class Builder extends FleetComponentBuilder<Builder> {
    private int own;

    Builder own(int own) {
      this.own = own;
      return this;
    }
  }

  @Test
  void theSharedSettingsChainWithTheBuildersOwnAndKeepTheirDefaults() {
    Builder defaults = new Builder();
    assertThat(defaults.keyPrefix).isEqualTo(FleetNames.DEFAULT_PREFIX);
    assertThat(defaults.nodeId).matches("[A-Za-z0-9._:@-]{1,100}");
    assertThat(defaults.clock).as("the fleet's, chosen at build").isNull();
    assertThat(defaults.meterRegistry).isSameAs(Metrics.globalRegistry);

    Clock fixed = Clock.fixed(Instant.parse("2026-12-04T00:00:00Z"), ZoneOffset.UTC);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Builder set = new Builder().keyPrefix("shop.eu-1").own(3).nodeId("pod-7@zone:a").clock(fixed).meterRegistry(meters);
    assertThat(set.own).isEqualTo(3);
    assertThat(set.keyPrefix).isEqualTo("shop.eu-1");
    assertThat(set.nodeId).isEqualTo("pod-7@zone:a");
    assertThat(set.clockOr(null)).as("a clock given is used as it is").isSameAs(fixed);
    assertThat(set.meterRegistry).isSameAs(meters);
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    Builder builder = new Builder();
    assertThatThrownBy(() -> builder.keyPrefix("has space")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> builder.nodeId("x".repeat(FleetNames.MAX_NODE_ID_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeId");
    assertThatThrownBy(() -> builder.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
    assertThatThrownBy(() -> builder.meterRegistry(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("meterRegistry");
    assertThat(builder.keyPrefix).as("unchanged").isEqualTo(FleetNames.DEFAULT_PREFIX);
  }
}
