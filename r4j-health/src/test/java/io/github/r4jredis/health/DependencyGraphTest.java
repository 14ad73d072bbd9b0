package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DependencyGraphTest {

  private static DependencyGraph seedGraph() {
    return DependencyGraph.builder()
        .dependsOn("retell", "calcom")
        .dependsOn("appointments", "calcom", "retell")
        .dependsOn("webhooks", "database")
        .build();
  }

  @Test
  void shouldListWhatAFailureDragsDownNearestFirst() {
    DependencyGraph graph = seedGraph();

    assertThat(graph.transitiveDependentsOf("calcom")).containsExactly("retell", "appointments");
    assertThat(graph.transitiveDependentsOf("retell")).containsExactly("appointments");
    assertThat(graph.transitiveDependentsOf("database")).containsExactly("webhooks");
    assertThat(graph.transitiveDependentsOf("appointments")).isEmpty();
    assertThat(graph.transitiveDependentsOf("unknown")).isEmpty();
  }

  @Test
  void shouldKnowEveryServiceAndItsDirectUpstreams() {
    DependencyGraph graph = seedGraph();

    assertThat(graph.services()).containsExactlyInAnyOrder("retell", "calcom", "appointments", "webhooks", "database");
    assertThat(graph.upstreamsOf("appointments")).containsExactly("calcom", "retell");
    assertThat(graph.upstreamsOf("calcom")).isEmpty();
  }

  @Test
  void shouldRejectACycleAndNameIt() {
    DependencyGraph.Builder builder = DependencyGraph.builder()
        .dependsOn("a", "b")
        .dependsOn("b", "c")
        .dependsOn("c", "a");

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service dependencies must not form a cycle, found a -> b -> c -> a");
  }

  @Test
  void shouldRejectSelfDependencyAndBlankNames() {
    assertThatThrownBy(() -> DependencyGraph.builder().dependsOn("a", "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service 'a' cannot depend on itself");
    assertThatThrownBy(() -> DependencyGraph.builder().dependsOn(" ", "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service name must not be blank");
  }

  @Test
  void shouldBuildFromConfigurationAndFindTheShortestPath() {
    DependencyGraph graph = DependencyGraph.of(java.util.Map.of(
        "retell", java.util.List.of("calcom"),
        "appointments", java.util.List.of("retell"),
        "web", java.util.List.of("appointments", "calcom")));

    assertThat(graph.pathTo("appointments", "calcom")).containsExactly("appointments", "retell", "calcom");
    assertThat(graph.pathTo("web", "calcom")).containsExactly("web", "calcom");
    assertThat(graph.pathTo("calcom", "web")).isEmpty();
    assertThat(graph.transitiveUpstreamsOf("web")).containsExactly("appointments", "calcom", "retell");
    assertThatThrownBy(() -> DependencyGraph.of(java.util.Map.of("a", java.util.List.of("b"), "b", java.util.List.of("a"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching("service dependencies must not form a cycle, found (a -> b -> a|b -> a -> b)");
  }
}
