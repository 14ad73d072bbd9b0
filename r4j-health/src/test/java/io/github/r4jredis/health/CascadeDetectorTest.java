package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.health.CascadeDetector.Cascade;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The seed's cascade scenarios: detection, fail-fast of dependents, recovery after the upstream is fixed. */
class CascadeDetectorTest {

  private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final CascadeDetector detector = CascadeDetector.of(DependencyGraph.of(seedConfig()), registry, meters);

  /** The seed's graph as configuration binds it: in declaration order. */
  private static Map<String, List<String>> seedConfig() {
    Map<String, List<String>> config = new LinkedHashMap<>();
    config.put("retell", List.of("calcom"));
    config.put("appointments", List.of("calcom", "retell"));
    config.put("webhooks", List.of("database"));
    return config;
  }

  @Test
  void detectsWhatAnOpenUpstreamDragsDown() {
    assertThat(detector.detectCascadingFailures()).isEmpty();

    registry.circuitBreaker("calcom").transitionToOpenState();

    assertThat(detector.detectCascadingFailures())
        .containsExactly(new Cascade("calcom", State.OPEN, List.of("retell", "appointments")));
    assertThat(new Cascade("appointments", State.OPEN, List.of()))
        .hasToString("appointments is OPEN, impacting no other service");
    assertThat(detector.isServiceHealthy("appointments")).isFalse();
    assertThat(detector.getServiceHealthReason("appointments")).isEqualTo("impacted: calcom is OPEN (appointments -> calcom)");
    assertThat(detector.getServiceHealthReason("retell")).isEqualTo("impacted: calcom is OPEN (retell -> calcom)");
    assertThat(detector.getServiceHealthReason("calcom")).isEqualTo("calcom is OPEN");
    assertThat(detector.isServiceHealthy("webhooks")).isTrue();
    assertThat(detector.getServiceHealthReason("webhooks")).isEqualTo("healthy");
    assertThat(meters.get("r4jredis.health.cascades").gauge().value()).isEqualTo(2);
  }

  @Test
  void aDeeperFailureNamesTheWholePath() {
    DependencyGraph chain = DependencyGraph.builder().dependsOn("web", "api").dependsOn("api", "db").build();
    CascadeDetector deep = CascadeDetector.of(chain, registry, meters);
    registry.circuitBreaker("db").transitionToForcedOpenState();

    assertThat(deep.getServiceHealthReason("web")).isEqualTo("impacted: db is FORCED_OPEN (web -> api -> db)");
  }

  @Test
  void theCascadePolicyFailsDependentsFastAndRecoversWithTheUpstream() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Callable<String> appointments = detector.decorateCallable("appointments", () -> "slots " + calls.incrementAndGet());
    assertThat(appointments.call()).isEqualTo("slots 1");

    registry.circuitBreaker("calcom").transitionToOpenState();
    assertThatThrownBy(appointments::call)
        .isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
          assertThat(e.service()).isEqualTo("appointments");
          assertThat(e.upstream()).isEqualTo("calcom");
          assertThat(e.upstreamState()).isEqualTo(State.OPEN);
          assertThat(e.path()).containsExactly("appointments", "calcom");
        })
        .hasMessage("appointments not called: it needs calcom, which is OPEN (appointments -> calcom)");
    assertThat(calls).as("the dependent was not called").hasValue(1);
    assertThat(meters.get("r4jredis.health.cascade.rejected").tag("service", "appointments").counter().count())
        .isEqualTo(1);

    registry.circuitBreaker("calcom").transitionToHalfOpenState(); // recovering: trial calls must flow
    assertThat(appointments.call()).isEqualTo("slots 2");
    assertThat(detector.isServiceHealthy("appointments")).isFalse();
    assertThat(detector.getServiceHealthReason("appointments")).isEqualTo("impacted: calcom is HALF_OPEN (appointments -> calcom)");

    registry.circuitBreaker("calcom").transitionToClosedState();
    assertThat(appointments.call()).isEqualTo("slots 3");
    assertThat(detector.isServiceHealthy("appointments")).isTrue();
    assertThat(detector.detectCascadingFailures()).isEmpty();
  }

  @Test
  void unknownServicesAreRejected() {
    assertThatThrownBy(() -> detector.isServiceHealthy("billing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no service 'billing' in the dependency graph");
    assertThatThrownBy(() -> detector.decorateCallable("billing", () -> 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
