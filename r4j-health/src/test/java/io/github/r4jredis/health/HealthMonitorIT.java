package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** Probes against a real HTTP server, a real H2 database and real Redis; fleet coordination. */
@RedisTest
class HealthMonitorIT {

  private static final Duration AWAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private StubService calcom;
  private RedisServer redis;
  private String prefix;

  @BeforeEach
  void setUp(RedisServer redis, @KeyPrefix String prefix) throws IOException {
    this.redis = redis;
    this.prefix = prefix;
    calcom = new StubService();
    closeables.add(calcom);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private HealthMonitor monitor(String node, UnaryOperator<HealthMonitor.Builder> customizer) {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    HealthMonitor monitor = customizer.apply(HealthMonitor.builder(client).keyPrefix(prefix).nodeId(node)
        .meterRegistry(meters)).build();
    closeables.add(monitor);
    return monitor;
  }

  /** A monitor whose probes only run when the test calls probeNow (an hour apart otherwise). */
  private HealthMonitor manual(Probe... probes) {
    return monitor("manual", b -> {
      for (Probe probe : probes) {
        b.probe(probe.interval(Duration.ofHours(1)));
      }
      return b;
    });
  }

  @Test
  void anHttpProbePassesOnTheExpectedStatusOnly() {
    HealthMonitor monitor = manual(Probe.http("calcom", calcom.uri()),
        Probe.http("calcom-strict", calcom.uri()).expectStatus(204));

    assertThat(monitor.probeNow("calcom").healthy()).isTrue();
    ProbeResult strict = monitor.probeNow("calcom-strict");
    assertThat(strict.healthy()).isFalse();
    assertThat(strict.error()).isEqualTo("HTTP 200, expected 204");

    calcom.status.set(503);
    ProbeResult down = monitor.probeNow("calcom");
    assertThat(down.healthy()).isFalse();
    assertThat(down.error()).isEqualTo("HTTP 503, expected 2xx");
    assertThat(down.node()).isEqualTo("manual");
    assertThat(monitor.isHealthy("calcom")).isFalse();
    assertThat(monitor.latest("calcom")).contains(down);
  }

  /** Regression: a refused connection reported a bare "ConnectException", without its target. */
  @Test
  void aRefusedConnectionNamesItsTarget() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    java.net.URI target = java.net.URI.create("http://127.0.0.1:" + closed + "/health");
    HealthMonitor monitor = manual(Probe.http("calcom", target));

    ProbeResult refused = monitor.probeNow("calcom");

    assertThat(refused.healthy()).isFalse();
    assertThat(refused.error()).startsWith("GET " + target + ": ConnectException");
  }

  @Test
  void aHungProbeIsCutOffAtItsTimeout() {
    HealthMonitor monitor = manual(Probe.http("calcom", calcom.uri()).timeout(Duration.ofMillis(300)));
    calcom.hangUntilReleased();

    ProbeResult result = monitor.probeNow("calcom");

    assertThat(result.healthy()).isFalse();
    assertThat(result.error()).isEqualTo("timed out after 300 ms");
    assertThat(result.latency()).isEqualTo(Duration.ofMillis(300));
  }

  /**
   * A check bounded by a timeout of its own equal to the probe's (an HTTP probe's request timeout)
   * gives up at the same moment the monitor cuts it off: whichever is first, the result says the
   * probe timed out, at its timeout (CI once saw "HttpTimeoutException: request timed out").
   */
  @Test
  void aCheckGivingUpAtTheProbesTimeoutIsATimeoutWhicheverTimerIsFirst() {
    // A probe per race: the cut-off leaves a check's thread finishing, and the next check of the
    // same probe would then (rightly) be refused as overlapping.
    Probe[] racers = new Probe[100];
    for (int i = 0; i < racers.length; i++) {
      racers[i] = Probe.custom("racer-" + i, timeout -> {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
          LockSupport.parkNanos(deadline - System.nanoTime());
        }
        throw new HttpTimeoutException("request timed out");
      }).timeout(Duration.ofMillis(5));
    }
    HealthMonitor monitor = manual(racers);

    for (int i = 0; i < racers.length; i++) {
      ProbeResult result = monitor.probeNow("racer-" + i);
      assertThat(result.error()).as("probe %d", i).isEqualTo("timed out after 5 ms");
      assertThat(result.latency()).isEqualTo(Duration.ofMillis(5));
    }
  }

  @Test
  void aCheckThatIgnoresItsInterruptNeverRunsTwiceAtOnce() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    HealthMonitor monitor = manual(Probe.custom("stubborn", timeout -> {
      mostAtOnce.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      try {
        while (stuck.getCount() > 0) {
          try {
            stuck.await(); // swallows interrupts, as badly written client code does
          } catch (InterruptedException ignored) {
            // keep waiting
          }
        }
      } finally {
        concurrent.decrementAndGet();
      }
    }).timeout(Duration.ofMillis(100)));

    assertThat(monitor.probeNow("stubborn").error()).isEqualTo("timed out after 100 ms");
    ProbeResult second = monitor.probeNow("stubborn");

    assertThat(second.error()).isEqualTo("the previous check is still running: it ignored its interrupt after timing out");
    assertThat(mostAtOnce).hasValue(1);
    stuck.countDown();
    await().atMost(AWAIT).until(() -> concurrent.get() == 0);
    assertThat(monitor.probeNow("stubborn").healthy()).as("runs again once free").isTrue();
  }

  @Test
  void aJdbcProbeChecksARealDatabase() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=-1");
    try (Connection setup = h2.getConnection()) {
      setup.createStatement().execute("CREATE TABLE appointments (id INT)");
    }
    JdbcDataSource nowhere = new JdbcDataSource();
    nowhere.setURL("jdbc:h2:tcp://127.0.0.1:" + freePort() + "/mem:nothing");
    HealthMonitor monitor = manual(Probe.jdbc("database", h2),
        Probe.jdbc("schema", h2, "SELECT COUNT(*) FROM appointments"), Probe.jdbc("down", nowhere));

    assertThat(monitor.probeNow("database").healthy()).isTrue();
    assertThat(monitor.probeNow("schema").healthy()).isTrue();
    ProbeResult refused = monitor.probeNow("down");
    assertThat(refused.healthy()).isFalse();
    assertThat(refused.error()).startsWith("JdbcSQLNonTransientConnectionException: Connection is broken");

    try (Connection setup = h2.getConnection()) {
      setup.createStatement().execute("DROP TABLE appointments");
    }
    ProbeResult broken = monitor.probeNow("schema");
    assertThat(broken.healthy()).isFalse();
    assertThat(broken.error()).contains("APPOINTMENTS");
    assertThat(Probe.jdbc("database", h2).interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(Probe.jdbc("database", h2).timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aRedisProbePingsTheServer() throws SQLException {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    HealthMonitor monitor = manual(Probe.redis("redis", client));

    assertThat(monitor.probeNow("redis").healthy()).isTrue();
    assertThat(Probe.redis("redis", client).interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(Probe.redis("redis", client).timeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theFleetSendsOneCheckPerIntervalAndEveryNodeSeesIt() {
    Duration interval = Duration.ofMillis(200);
    List<HealthMonitor> fleet = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fleet.add(monitor("node-" + i, b -> b.probe(Probe.http("calcom", calcom.uri()).interval(interval)
          .timeout(Duration.ofMillis(150)))));
    }

    await().atMost(AWAIT).until(() -> fleet.get(0).history("calcom").size() >= 15);
    fleet.forEach(HealthMonitor::close);

    List<ProbeResult> history = fleet.get(0).history("calcom");
    // Checks in flight when the fleet closed reach the server without being stored: at most one.
    assertThat(calcom.hits.get()).as("checks sent against checks stored").isLessThanOrEqualTo(history.size() + 1);
    for (int i = 1; i < history.size(); i++) {
      Duration gap = Duration.between(history.get(i - 1).at(), history.get(i).at());
      assertThat(gap).as("checks %d and %d", i - 1, i).isGreaterThan(interval.minusMillis(40));
    }
    Set<String> probers = history.stream().map(ProbeResult::node).collect(Collectors.toSet());
    assertThat(probers).as("the lease moves between nodes").hasSizeGreaterThan(1);
    for (HealthMonitor node : fleet) {
      assertThat(node.history("calcom").subList(0, 10)).isEqualTo(history.subList(0, 10));
    }
    System.out.printf("5 nodes, %d ms interval: %d checks sent, %d stored, by %s, failures: %s%n",
        interval.toMillis(), calcom.hits.get(), history.size(), probers,
        history.stream().filter(r -> !r.healthy()).map(ProbeResult::error).toList());
  }

  @Tag("fault")
  @Test
  void withRedisDeadEveryNodeChecksOnItsOwnAndCoordinationResumesAfterARestart(@Dedicated RedisServer dedicated) {
    this.redis = dedicated;
    Duration interval = Duration.ofMillis(100);
    List<HealthMonitor> fleet = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fleet.add(monitor("node-" + i, b -> b.probe(Probe.http("calcom", calcom.uri()).interval(interval)
          .timeout(Duration.ofMillis(90)))));
    }
    await().atMost(AWAIT).until(() -> fleet.get(0).history("calcom").size() >= 3);

    dedicated.kill();
    calcom.status.set(503);
    for (HealthMonitor node : fleet) { // each node now checks by itself and keeps what it sees
      await().atMost(AWAIT).until(() -> !node.isHealthy("calcom")
          && node.latest("calcom").orElseThrow().node().equals(node.nodeId()));
    }

    dedicated.restart();
    calcom.status.set(200);
    await().atMost(AWAIT).until(() -> fleet.stream().allMatch(node -> node.isHealthy("calcom")));
  }

  @Test
  void theHistoryIsBoundedByCountAndAge() {
    MutableClock clock = new MutableClock();
    HealthMonitor monitor = monitor("node", b -> b.clock(clock).maxHistory(10).historyRetention(Duration.ofMinutes(5))
        .probe(Probe.http("calcom", calcom.uri()).interval(Duration.ofHours(1))));
    for (int i = 0; i < 15; i++) {
      monitor.probeNow("calcom");
      clock.advance(Duration.ofSeconds(10));
    }
    assertThat(monitor.history("calcom")).hasSize(10);

    clock.advance(Duration.ofMinutes(4));
    assertThat(monitor.history("calcom")).hasSize(6); // checked at 90 s to 140 s, now 390 s, kept from 90 s

    clock.advance(Duration.ofMinutes(1));
    assertThat(monitor.history("calcom")).isEmpty();
  }

  /** The seed's getHealthHistory(service, minutes) and runAllHealthChecks(). */
  @Test
  void theLastMinutesOfHistoryAndEveryServiceCheckedAtOnce() {
    MutableClock clock = new MutableClock();
    HealthMonitor monitor = monitor("node", b -> b.clock(clock)
        .probe(Probe.http("calcom", calcom.uri()).interval(Duration.ofHours(1)))
        .probe(Probe.http("calcom-strict", calcom.uri()).expectStatus(204).interval(Duration.ofHours(1))));
    for (int i = 0; i < 6; i++) {
      monitor.probeNow("calcom");
      clock.advance(Duration.ofMinutes(1));
    }

    assertThat(monitor.history("calcom", Duration.ofMinutes(3))).hasSize(3); // at -3, -2 and -1 min
    assertThat(monitor.history("calcom", Duration.ofHours(1))).hasSize(6);
    assertThatThrownBy(() -> monitor.history("calcom", Duration.ZERO)).hasMessage("window must be positive, was PT0S");

    Map<String, ProbeResult> all = monitor.probeAllNow();
    assertThat(all).containsOnlyKeys("calcom", "calcom-strict");
    assertThat(all.get("calcom").healthy()).isTrue();
    assertThat(all.get("calcom-strict").error()).isEqualTo("HTTP 200, expected 204");
    assertThat(monitor.latest("calcom-strict")).contains(all.get("calcom-strict"));
  }

  @Test
  void statisticsAndPredictionsComeFromTheSharedHistory() {
    HealthMonitor monitor = manual(Probe.http("calcom", calcom.uri()));
    for (int i = 0; i < 12; i++) {
      calcom.status.set(i % 4 == 3 ? 500 : 200);
      monitor.probeNow("calcom");
    }

    HealthStatistics stats = monitor.statistics("calcom");
    assertThat(stats.samples()).isEqualTo(12);
    assertThat(stats.uptimePercent()).isEqualTo(75.0);
    assertThat(stats.outages()).isEqualTo(3);
    assertThat(monitor.predict("calcom", Duration.ofMinutes(10)).samples()).isEqualTo(12);
    assertThat(meters.get("r4jredis.health.uptime").tag("service", "calcom").gauge().value()).isEqualTo(75.0);
    assertThat(meters.get("r4jredis.health.probe.up").tag("service", "calcom").gauge().value()).isZero();
    assertThat(meters.get("r4jredis.health.probe.checks").tag("service", "calcom").tag("outcome", "down")
        .counter().count()).isEqualTo(3);
    assertThat(meters.get("r4jredis.health.probe.latency").tag("service", "calcom").timer().count()).isEqualTo(12);
  }

  @Test
  void actionsOpenTheBreakerAfterFailuresAndHastenItsRecovery() {
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    CircuitBreaker breaker = registry.circuitBreaker("calcom");
    HealthMonitor monitor = monitor("node", b -> b.circuitBreakerRegistry(registry)
        .probe(Probe.http("calcom", calcom.uri()).interval(Duration.ofHours(1)).opensBreakerAfter(2).hastensRecovery())
        .probe(Probe.http("quiet", calcom.uri()).interval(Duration.ofHours(1)).breaker("calcom-quiet")));
    CircuitBreaker quiet = registry.circuitBreaker("calcom-quiet");

    calcom.status.set(503);
    monitor.probeNow("calcom");
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    monitor.probeNow("calcom");
    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    monitor.probeNow("quiet");
    monitor.probeNow("quiet");
    assertThat(quiet.getState()).as("actions are off by default").isEqualTo(State.CLOSED);

    calcom.status.set(200);
    monitor.probeNow("calcom");
    assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
  }

  /**
   * Results are stamped with the fleet's time, Redis TIME, not this node's: on a Redis whose clock
   * is an hour behind, a result and its stored copy are an hour back, in order with every node's.
   */
  @Test
  void resultsAreStampedWithRedisTimeByDefault() {
    org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
    try (RedisServer behind = RedisServer.builder().clockOffset(Duration.ofHours(-1)).start()) {
      RedissonClient client = behind.newRedisson();
      closeables.add(client::shutdown);
      HealthMonitor monitor = HealthMonitor.builder(client).keyPrefix(prefix).nodeId("behind").meterRegistry(meters)
          .probe(Probe.http("calcom", calcom.uri()).interval(Duration.ofHours(1))).build();
      closeables.add(monitor);

      // The first check may come before Redis first told its time (then it is this node's clock).
      await().atMost(AWAIT).until(() -> Math.abs(monitor.probeNow("calcom").at().toEpochMilli() - behind.timeMillis())
          < 2_000);
      assertThat(System.currentTimeMillis() - monitor.latest("calcom").orElseThrow().at().toEpochMilli())
          .isGreaterThan(Duration.ofMinutes(59).toMillis());
      HealthMonitor reader = HealthMonitor.builder(client).keyPrefix(prefix).nodeId("reader").meterRegistry(meters)
          .probe(Probe.http("calcom", calcom.uri()).interval(Duration.ofHours(1))).build();
      closeables.add(reader);
      ProbeResult stamped = monitor.latest("calcom").orElseThrow();
      reader.probeNow("calcom"); // reads what the fleet stored
      assertThat(reader.history("calcom")).contains(stamped);
    }
  }

  @Test
  void badSettingsAreRejectedWithTheirRule() {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    URI uri = calcom.uri();
    assertThatThrownBy(() -> HealthMonitor.builder(client).probe(Probe.http("calcom", uri).interval(Duration.ofSeconds(1)))
        .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the timeout (PT5S) of probe calcom must not exceed its interval (PT1S)");
    assertThatThrownBy(() -> HealthMonitor.builder(client).probe(Probe.http("calcom", uri).opensBreakerAfter(3)).build())
        .hasMessage("probe calcom acts on breaker calcom: give a circuitBreakerRegistry");
    assertThatThrownBy(() -> HealthMonitor.builder(client).probe(Probe.http("calcom", uri)).probe(Probe.http("calcom", uri)))
        .hasMessage("service 'calcom' already has a probe");
    assertThatThrownBy(() -> Probe.custom("retell", t -> { }).expectStatus(200))
        .hasMessage("expectStatus applies to HTTP probes only; retell is CUSTOM");
    assertThatThrownBy(() -> Probe.http("calcom", URI.create("ftp://x"))).hasMessage("uri must be http or https, was ftp://x");
    assertThatThrownBy(() -> Probe.http("a b", uri)).hasMessage("service must be 1-100 of [A-Za-z0-9._:@-], was 'a b'");
    assertThatThrownBy(() -> manual(Probe.http("calcom", uri)).probeNow("other"))
        .hasMessage("no probe for service 'other'; probed: [calcom]");
  }
}
