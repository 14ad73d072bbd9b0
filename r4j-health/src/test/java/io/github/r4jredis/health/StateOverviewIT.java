package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.state.Health;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.client.codec.StringCodec;

/** The fleet's overview against a real Redis, with shared breakers on two nodes. */
@RedisTest
class StateOverviewIT {

  private static final Duration AWAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** A node: its client and shared registry. */
  private record Node(RedissonClient client, RedisCircuitBreakerRegistry registry) {
    CircuitBreaker breaker(String name) {
      CircuitBreaker breaker = registry.circuitBreaker(name);
      await().atMost(AWAIT).until(() -> ((RedisCircuitBreaker) breaker).stateVersion() > 0);
      return breaker;
    }
  }

  private Node node(RedisServer redis, String prefix, String id) {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix)
        .nodeId(id).meterRegistry(meters).build();
    closeables.add(registry::close);
    return new Node(client, registry);
  }

  private StateOverview overview(Node node, UnaryOperator<StateOverview.Builder> customizer) {
    StateOverview overview = customizer.apply(StateOverview.builder(node.registry(), node.client())
        .snapshotInterval(Duration.ZERO).meterRegistry(meters)).build();
    closeables.add(overview);
    return overview;
  }

  private static void open(CircuitBreaker breaker) {
    breaker.transitionToOpenState(); // a manual transition is the fleet's
  }

  @Test
  void theOverviewListsEveryBreakerOfTheFleetAndJudgesTheSystem(RedisServer redis, @KeyPrefix String prefix) {
    Node a = node(redis, prefix, "a");
    Node b = node(redis, prefix, "b");
    CircuitBreaker calcom = a.breaker("calcom");
    a.breaker("retell");
    a.breaker("appointments");
    b.breaker("database");
    CascadeDetector cascades = CascadeDetector.of(DependencyGraph.builder()
        .dependsOn("retell", "calcom").dependsOn("appointments", "calcom", "retell").build(), b.registry(), meters);
    StateOverview overview = overview(b, o -> o.cascadeDetector(cascades).criticalServices("database"));

    assertThat(overview.getAllStates()).extracting(SharedBreakerState::name)
        .containsExactly("appointments", "calcom", "database", "retell");
    assertThat(overview.getSystemHealth().status()).isEqualTo(Health.HEALTHY);

    open(calcom); // on node a: node b's overview sees it
    await().atMost(AWAIT).until(() -> b.registry().circuitBreaker("calcom").getState() == State.OPEN);
    StateOverview.SystemHealth degraded = overview.getSystemHealth();
    assertThat(degraded.status()).isEqualTo(Health.DEGRADED);
    assertThat(degraded.fleetWide()).isTrue();
    assertThat(degraded.reasons()).anySatisfy(r -> assertThat(r).startsWith("calcom is OPEN since "));
    assertThat(degraded.reasons()).contains("cascade: calcom is OPEN, impacting retell, appointments");
    assertThat(meters.get("r4jredis.health.system").gauge().value()).isEqualTo(1);

    open(b.registry().circuitBreaker("database")); // the node moves at once, the fleet's copy a sync later
    await().atMost(AWAIT).until(() -> overview.getSystemHealth().status() == Health.CRITICAL);
    StateOverview.SystemHealth critical = overview.getSystemHealth();
    assertThat(critical.status()).isEqualTo(Health.CRITICAL);
    assertThat(critical.reasons()).contains("critical service database is down");
    assertThat(meters.get("r4jredis.health.system").gauge().value()).isEqualTo(2);

    a.registry().reset("calcom");
    b.registry().reset("database");
    await().atMost(AWAIT).until(() -> overview.getSystemHealth().status() == Health.HEALTHY);
  }

  @Test
  void failingProbesMakeTheSystemDegradedOrCriticalWhenTheServiceIsCritical(RedisServer redis, @KeyPrefix String prefix)
      throws IOException {
    Node a = node(redis, prefix, "a");
    a.breaker("calcom");
    HealthMonitor health = HealthMonitor.builder(a.client()).keyPrefix(prefix).nodeId("a").meterRegistry(meters)
        .probe(Probe.custom("search", timeout -> {
          throw new IOException("connection refused");
        }).interval(Duration.ofHours(1)))
        .probe(Probe.custom("database", timeout -> { }).interval(Duration.ofHours(1)))
        .build();
    closeables.add(health);
    StateOverview overview = overview(a, o -> o.healthMonitor(health).criticalServices("search"));

    health.probeNow("database");
    assertThat(overview.getSystemHealth().status()).isEqualTo(Health.HEALTHY);
    health.probeNow("search");
    StateOverview.SystemHealth verdict = overview.getSystemHealth();

    assertThat(verdict.status()).isEqualTo(Health.CRITICAL);
    assertThat(verdict.reasons()).containsExactly("probe of search failing: IOException: connection refused");
  }

  @Test
  void snapshotsAreKeptNewestFirstAndAnalysed(RedisServer redis, @KeyPrefix String prefix) {
    Node a = node(redis, prefix, "a");
    CircuitBreaker calcom = a.breaker("calcom");
    StateOverview overview = overview(a, o -> o);

    StateSnapshot first = overview.captureStateSnapshot();
    open(calcom);
    await().atMost(AWAIT).until(() -> a.registry().sharedBreaker("calcom").orElseThrow().state() == State.OPEN);
    StateSnapshot second = overview.captureStateSnapshot();
    calcom.transitionToHalfOpenState();
    await().atMost(AWAIT).until(() -> a.registry().sharedBreaker("calcom").orElseThrow().state() == State.HALF_OPEN);
    overview.captureStateSnapshot();

    List<StateSnapshot> recent = overview.getRecentSnapshots(2);
    assertThat(recent).hasSize(2);
    assertThat(recent.get(1)).isEqualTo(second);
    assertThat(recent.get(0).breakers().get("calcom").state()).isEqualTo(State.HALF_OPEN);
    assertThat(first.breakers().get("calcom").state()).isEqualTo(State.CLOSED);
    assertThat(second.node()).isEqualTo(a.registry().nodeId());

    StatePatterns patterns = overview.analyzeStatePatterns();
    assertThat(patterns.snapshots()).isEqualTo(3);
    assertThat(patterns.transitions()).containsEntry("calcom", 2L);
    assertThat(patterns.meanTimeInOpen()).containsKey("calcom");
    assertThatThrownBy(() -> overview.getRecentSnapshots(0)).hasMessage("n must be at least 1, was 0");
  }

  @Test
  void tamperedSnapshotsAreSkippedAndCounted(RedisServer redis, @KeyPrefix String prefix) {
    Node a = node(redis, prefix, "a");
    a.breaker("calcom");
    StateOverview overview = overview(a, o -> o);
    StateSnapshot good = overview.captureStateSnapshot();
    RStream<String, String> stream = a.client().getStream(prefix + ":health:snapshots", StringCodec.INSTANCE);
    stream.add(StreamAddArgs.entries(Map.of("at", "not-a-time", "node", "x")));
    stream.add(StreamAddArgs.entries(Map.of("at", "1", "b:calcom", "AJAR 1 2 - 3 4", "b:retell", "CLOSED 1 2 - 3 4")));

    List<StateSnapshot> recent = overview.getRecentSnapshots(10);

    assertThat(recent).hasSize(2);
    assertThat(recent.get(0).breakers()).containsOnlyKeys("retell"); // the bad field alone is skipped
    assertThat(recent.get(1)).isEqualTo(good);
    assertThat(overview.analyzeStatePatterns().snapshots()).isEqualTo(2);
    assertThat(meters.get("r4jredis.health.unreadable").counter().count()).isGreaterThanOrEqualTo(2.0);
  }

  @Test
  void oneNodeOfTheFleetTakesEachScheduledSnapshot(RedisServer redis, @KeyPrefix String prefix) {
    Duration interval = Duration.ofMillis(200);
    List<StateOverview> fleet = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Node node = node(redis, prefix, "node-" + i);
      node.breaker("calcom");
      fleet.add(overview(node, o -> o.snapshotInterval(interval)));
    }

    await().atMost(AWAIT).until(() -> fleet.get(0).getRecentSnapshots(100).size() >= 8);
    fleet.forEach(StateOverview::close);

    List<StateSnapshot> snapshots = fleet.get(0).getRecentSnapshots(100);
    for (int i = 1; i < snapshots.size(); i++) {
      assertThat(Duration.between(snapshots.get(i).at(), snapshots.get(i - 1).at()))
          .as("snapshots %d and %d", i, i - 1).isGreaterThan(interval.minusMillis(40));
    }
  }

  @Tag("fault")
  @Test
  void withRedisDeadTheSystemIsJudgedFromThisNodesBreakers(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    Node a = node(redis, prefix, "a");
    a.breaker("calcom");
    StateOverview overview = overview(a, o -> o);

    redis.kill();
    StateOverview.SystemHealth verdict = overview.getSystemHealth();

    assertThat(verdict.fleetWide()).isFalse();
    assertThat(verdict.status()).isEqualTo(Health.DEGRADED);
    assertThat(verdict.reasons()).containsExactly(
        "Redis unreachable: judged from this node's breakers only, each deciding locally");
    assertThatThrownBy(overview::captureStateSnapshot).isInstanceOf(io.github.r4jredis.state.RedisStateException.class);
  }
}
