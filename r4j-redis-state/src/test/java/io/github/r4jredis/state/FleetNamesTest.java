package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FleetNamesTest {

  @Test
  void aDefaultNodeIdIsAValidNodeIdWhateverTheHostIsCalled() {
    String longest = FleetNames.defaultNodeId("h".repeat(300), Long.MAX_VALUE);
    assertThat(longest).startsWith("h".repeat(60) + "-" + Long.MAX_VALUE + "-").hasSize(87);
    assertThat(FleetNames.requireNodeId("nodeId", longest)).isEqualTo(longest);

    assertThat(FleetNames.defaultNodeId("pod 7/ü", 1)).matches("pod-7---1-[0-9a-f]{6}");
    assertThat(FleetNames.defaultNodeId("", 1)).matches("node-1-[0-9a-f]{6}");
    assertThat(FleetNames.defaultNodeId()).matches("[A-Za-z0-9._-]+-[0-9]+-[0-9a-f]{6}")
        .isNotEqualTo(FleetNames.defaultNodeId()); // two registries of one JVM are two nodes
  }

  @Test
  void refusesWhatNoModuleTakes() {
    assertThat(FleetNames.requireNodeId("nodeId", "x".repeat(100))).hasSize(100);
    assertThatThrownBy(() -> FleetNames.requireNodeId("nodeId", "x".repeat(101)))
        .hasMessageStartingWith("nodeId must be 1-100 of [A-Za-z0-9._:@-], was 'xxx");
    assertThatThrownBy(() -> FleetNames.requireNodeId("nodeId", "a b"))
        .hasMessage("nodeId must be 1-100 of [A-Za-z0-9._:@-], was 'a b'");
    assertThatThrownBy(() -> FleetNames.requireNodeId("nodeId", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> FleetNames.requirePrefix("keyPrefix", "a:b"))
        .hasMessage("keyPrefix must be 1-64 of [A-Za-z0-9._-], was 'a:b'");
    assertThat(FleetNames.requirePrefix("keyPrefix", FleetNames.DEFAULT_PREFIX)).isEqualTo("r4j");
  }
}
