package io.github.r4jredis.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.slo.SloAlert.Type;
import io.github.r4jredis.state.Health;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** Known call sequences give the exact figures; the fleet's are the sum of its nodes'. Real Redis, injected clock. */
@RedisTest
class SloMonitorIT {

  /** Never opens on its own: the tests decide the transitions. */
  private static final CircuitBreakerConfig STEADY = CircuitBreakerConfig.custom()
      .failureRateThreshold(100).minimumNumberOfCalls(1_000_000)
      .slowCallDurationThreshold(Duration.ofMillis(500)).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final MutableClock clock = new MutableClock();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<SloAlert> alerts = new CopyOnWriteArrayList<>();
  private RedisServer redis;
  private String prefix;

  @BeforeEach
  void setUp(RedisServer redis, @KeyPrefix String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** A node's monitor, flushed and evaluated by hand. */
  private SloMonitor node(String id, UnaryOperator<SloMonitor.Builder> customizer) {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    SloMonitor monitor = customizer.apply(SloMonitor.builder(client).keyPrefix(prefix).nodeId(id).clock(clock)
        .flushInterval(Duration.ZERO).evaluationInterval(Duration.ZERO).meterRegistry(meters)
        .alertListener(alerts::add)).build();
    closeables.add(monitor);
    return monitor;
  }

  private static CircuitBreaker breaker(String name) {
    return CircuitBreaker.of(name, STEADY);
  }

  private static void calls(CircuitBreaker breaker, int successes, int failures, Duration latency) {
    for (int i = 0; i < successes; i++) {
      breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
    }
    for (int i = 0; i < failures; i++) {
      breaker.onError(latency.toNanos(), TimeUnit.NANOSECONDS, new IOException("down"));
    }
  }

  @Test
  void aKnownSequenceGivesTheExactRatesBudgetAndBurnRates() {
    CircuitBreaker calcom = breaker("calcom");
    SloMonitor slo = node("a", b -> b).bind(calcom);
    for (int millis = 1; millis <= 990; millis++) {
      calcom.onSuccess(millis, TimeUnit.MILLISECONDS); // 1 ms .. 990 ms
    }
    calls(calcom, 0, 10, Duration.ofMillis(995));
    calcom.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("ignored?")); // recorded: STEADY ignores nothing
    slo.flush();

    ServiceMetrics metrics = slo.getMetrics("calcom");
    assertThat(metrics.requests()).isEqualTo(1001);
    assertThat(metrics.successes()).isEqualTo(990);
    assertThat(metrics.failures()).isEqualTo(11);
    assertThat(metrics.slow()).isEqualTo(501); // 500..990 ms and the ten at 995 ms, minus none
    assertThat(metrics.latencyP50().toMillis()).isCloseTo(500, offset(45L));
    assertThat(metrics.latencyP99().toMillis()).isCloseTo(990, offset(90L));

    SloStatus status = slo.getSloMetrics("calcom");
    assertThat(status.requests()).isEqualTo(1001);
    assertThat(status.availability()).isEqualTo(990.0 / 1001);
    assertThat(status.availabilityMet()).isFalse();
    assertThat(status.errorBudgetRemaining()).isCloseTo(1 - (11.0 / 1001) / 0.001, offset(1e-9));
    assertThat(status.burnRates()).containsOnlyKeys("5m", "30m", "1h", "6h");
    assertThat(status.burnRates().get("5m")).isCloseTo((11.0 / 1001) / 0.001, offset(1e-9));
    assertThat(status.latencyCompliance()).isEqualTo(1.0); // all within 1 s, counted exactly
    assertThat(status.latencyMet()).isTrue();
    assertThat(status.recoveryMet()).isTrue();
  }

  /**
   * A breaker of ours is counted through its call observer, without an event object per call; a
   * plain Resilience4j breaker through its events. The same calls give the same figures.
   */
  @Test
  void ourBreakersAndResilience4jsGiveTheSameFigures() {
    CircuitBreakerConfig config = CircuitBreakerConfig.from(STEADY).ignoreExceptions(IllegalArgumentException.class)
        .recordResult(result -> "bad".equals(result)).build();
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    io.github.r4jredis.state.RedisCircuitBreakerRegistry registry =
        io.github.r4jredis.state.RedisCircuitBreakerRegistry.builder(client).withCircuitBreakerConfig(config)
            .keyPrefix(prefix + "-ours").nodeId("a").meterRegistry(new SimpleMeterRegistry()).build();
    closeables.add(registry::close);
    CircuitBreaker ours = registry.circuitBreaker("calcom");
    CircuitBreaker theirs = CircuitBreaker.of("calcom", config);
    SloMonitor ourSlo = node("a", b -> b.keyPrefix(prefix + "-a")).bind(ours);
    SloMonitor theirSlo = node("a", b -> b.keyPrefix(prefix + "-b")).bind(theirs);
    assertThat(ours).isInstanceOf(io.github.r4jredis.state.RedisCircuitBreaker.class);

    for (CircuitBreaker breaker : List.of(ours, theirs)) {
      for (int millis = 1; millis <= 300; millis++) {
        breaker.onSuccess(millis * 3L, TimeUnit.MILLISECONDS);
      }
      calls(breaker, 0, 7, Duration.ofMillis(1200));
      breaker.onError(5, TimeUnit.MILLISECONDS, new IllegalArgumentException("ignored"));
      breaker.onResult(40, TimeUnit.MILLISECONDS, "bad");
      breaker.onResult(40, TimeUnit.MILLISECONDS, "good");
      breaker.transitionToForcedOpenState();
      for (int i = 0; i < 4; i++) {
        assertThat(breaker.tryAcquirePermission()).isFalse();
      }
      breaker.transitionToClosedState();
      breaker.transitionToOpenState();
      for (int i = 0; i < 3; i++) {
        assertThat(breaker.tryAcquirePermission()).isFalse(); // OPEN publishes them
      }
    }
    ourSlo.flush();
    theirSlo.flush();

    ServiceMetrics a = ourSlo.getMetrics("calcom");
    ServiceMetrics b = theirSlo.getMetrics("calcom");
    // 300 + 7 + 2 results + 3 not permitted in OPEN; the ignored error is no request, and FORCED_OPEN
    // publishes no call events.
    assertThat(a.requests()).isEqualTo(b.requests()).isEqualTo(312);
    assertThat(a.successes()).isEqualTo(b.successes()).isEqualTo(301);
    assertThat(a.failures()).isEqualTo(b.failures()).isEqualTo(8);
    assertThat(a.slow()).isEqualTo(b.slow());
    assertThat(a.latencyP50()).isEqualTo(b.latencyP50());
    assertThat(a.latencyP99()).isEqualTo(b.latencyP99());
    assertThat(ourSlo.getSloMetrics("calcom").latencyCompliance())
        .isEqualTo(theirSlo.getSloMetrics("calcom").latencyCompliance());
    assertThat(ourSlo.getSloMetrics("calcom").availability()).isEqualTo(theirSlo.getSloMetrics("calcom").availability());
  }

  @Test
  void notPermittedCallsCountAgainstAvailabilityUnlessToldOtherwise() {
    CircuitBreaker counted = breaker("counted");
    CircuitBreaker lenient = breaker("lenient");
    SloMonitor slo = node("a", b -> b).bind(counted);
    SloMonitor other = node("b", b -> b.keyPrefix(prefix + "-x").notPermittedIsFailure(false)).bind(lenient);
    for (CircuitBreaker breaker : List.of(counted, lenient)) {
      calls(breaker, 90, 0, Duration.ofMillis(5));
      breaker.transitionToOpenState(); // (FORCED_OPEN publishes no events, by Resilience4j's design)
      for (int i = 0; i < 10; i++) {
        assertThatThrownBy(() -> breaker.executeRunnable(() -> { })).isInstanceOf(CallNotPermittedException.class);
      }
    }
    slo.flush();
    other.flush();

    assertThat(slo.getSloMetrics("counted").availability()).isEqualTo(0.9);
    assertThat(other.getSloMetrics("lenient").availability()).isEqualTo(1.0);
    assertThat(slo.getMetrics("counted").notPermitted()).isEqualTo(10);
  }

  @Test
  void windowsHoldWhatWasFlushedWithinThem() {
    CircuitBreaker calcom = breaker("calcom");
    SloMonitor slo = node("a", b -> b).bind(calcom);
    calls(calcom, 100, 0, Duration.ofMillis(10));
    slo.flush();
    clock.advance(Duration.ofMinutes(10));
    calls(calcom, 50, 5, Duration.ofMillis(10));
    slo.flush();
    clock.advance(Duration.ofMinutes(2));
    slo.flush(); // nothing pending: no checkpoint for this minute

    assertThat(slo.getMetrics("calcom", Duration.ofMinutes(5)).requests()).isEqualTo(55);
    assertThat(slo.getMetrics("calcom", Duration.ofMinutes(15)).requests()).isEqualTo(155);
    assertThat(slo.getMetrics("calcom", Duration.ofHours(12)).requests()).isEqualTo(155); // hour checkpoints
    clock.advance(Duration.ofMinutes(10));
    assertThat(slo.getMetrics("calcom", Duration.ofMinutes(5)).requests()).isZero();
    assertThatThrownBy(() -> slo.getMetrics("calcom", Duration.ofDays(31)))
        .hasMessage("window must be from 1 min to the SLO window (PT720H), was PT744H");
    assertThatThrownBy(() -> slo.getMetrics("billing"))
        .hasMessage("no breaker named 'billing' is bound; bound: [calcom]");
  }

  @Test
  void theFleetsFiguresAreTheSumOfItsNodes() {
    List<SloMonitor> fleet = new ArrayList<>();
    long successes = 0;
    long failures = 0;
    for (int n = 0; n < 3; n++) {
      CircuitBreaker breaker = breaker("calcom");
      SloMonitor slo = node("node-" + n, b -> b).bind(breaker);
      calls(breaker, 100 * (n + 1), n, Duration.ofMillis(20 * (n + 1)));
      successes += 100 * (n + 1);
      failures += n;
      slo.flush();
      fleet.add(slo);
    }

    for (SloMonitor slo : fleet) {
      ServiceMetrics metrics = slo.getMetrics("calcom");
      assertThat(metrics.successes()).isEqualTo(successes);
      assertThat(metrics.failures()).isEqualTo(failures);
      assertThat(metrics.requests()).isEqualTo(successes + failures);
    }
  }

  @Test
  void alertsFireOnceAndResolveOnceForTheWholeFleet() {
    List<CircuitBreaker> breakers = new ArrayList<>();
    List<SloMonitor> fleet = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      CircuitBreaker breaker = breaker("calcom");
      breakers.add(breaker);
      fleet.add(node("node-" + n, b -> b.definition("calcom", SloDefinition.ofDefaults().withWindow(Duration.ofHours(1))))
          .bind(breaker));
    }
    for (int n = 0; n < 3; n++) {
      calls(breakers.get(n), 90, 10, Duration.ofMillis(5)); // 10 % errors: 100x the budget of 99.9 %
      fleet.get(n).flush();
    }

    fleet.forEach(SloMonitor::evaluate);
    fleet.forEach(SloMonitor::evaluate);

    assertThat(alerts).extracting(SloAlert::type)
        .containsExactlyInAnyOrder(Type.AVAILABILITY, Type.FAST_BURN, Type.SLOW_BURN);
    assertThat(alerts).allSatisfy(a -> assertThat(a.firing()).isTrue());
    SloAlert fast = alerts.stream().filter(a -> a.type() == Type.FAST_BURN).findFirst().orElseThrow();
    assertThat(fast.severity()).isEqualTo("critical");
    assertThat(fast.value()).isCloseTo(100, offset(1e-9));
    assertThat(fast.message()).isEqualTo("calcom burns its error budget 100.0x over 1 h and 100.0x over 5 min "
        + "(page at 14.4x): 2% of a 30-day budget per hour");
    assertThat(fleet.get(2).activeAlerts()).hasSize(3);
    assertThat(fleet.get(1).getHealthStatus().health()).isEqualTo(Health.CRITICAL);
    assertThat(fleet.get(1).getSloMetrics("calcom").activeAlerts()).hasSize(3);

    alerts.clear();
    clock.advance(Duration.ofHours(7)); // every window is empty again
    fleet.forEach(SloMonitor::evaluate);
    fleet.forEach(SloMonitor::evaluate);

    assertThat(alerts).extracting(SloAlert::type)
        .containsExactlyInAnyOrder(Type.AVAILABILITY, Type.FAST_BURN, Type.SLOW_BURN);
    assertThat(alerts).allSatisfy(a -> {
      assertThat(a.firing()).isFalse();
      assertThat(a.message()).startsWith("resolved: calcom ");
    });
    assertThat(fleet.get(0).activeAlerts()).isEmpty();
    assertThat(fleet.get(0).getHealthStatus().health()).isEqualTo(Health.HEALTHY);
  }

  /**
   * The original design's recordOperationAttempt/recordStateTransition: calls that go through no
   * breaker are reported to a Resilience4j breaker in METRICS_ONLY (it never refuses a call), and
   * count like any other.
   */
  @Test
  void callsThroughNoBreakerAreCountedThroughAMetricsOnlyOne() {
    CircuitBreaker batch = CircuitBreaker.ofDefaults("batch-import");
    batch.transitionToMetricsOnlyState();
    SloMonitor slo = node("a", b -> b).bind(batch);

    calls(batch, 9, 1, Duration.ofMillis(20));
    slo.flush();

    ServiceMetrics metrics = slo.getMetrics("batch-import");
    assertThat(metrics.requests()).isEqualTo(10);
    assertThat(metrics.failures()).isEqualTo(1);
    assertThat(batch.tryAcquirePermission()).as("never refuses").isTrue();
  }

  @Test
  void aBreakerThatStaysOpenAlertsAndItsRecoveryIsTimed() {
    CircuitBreaker calcom = breaker("calcom");
    SloMonitor slo = node("a", b -> b).bind(calcom);
    calcom.transitionToOpenState();
    clock.advance(Duration.ofMinutes(1));
    calcom.transitionToHalfOpenState();
    calcom.transitionToOpenState();
    clock.advance(Duration.ofMinutes(2));
    slo.flush();
    slo.evaluate();

    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.type()).isEqualTo(Type.BREAKER_OPEN);
      assertThat(alert.message()).isEqualTo("calcom has not closed for 3 min (alert after 2 min)");
    });
    ServiceMetrics open = slo.getMetrics("calcom");
    assertThat(open.currentOutage()).contains(Duration.ofMinutes(3));
    assertThat(open.transitions()).isEqualTo(3);
    // Created 3 min ago and opened at once: no time in CLOSED before it existed (was 57 min).
    assertThat(open.timeInState()).isEqualTo(Map.of(State.OPEN, Duration.ofMinutes(3)));

    clock.advance(Duration.ofMinutes(1));
    calcom.transitionToHalfOpenState();
    calcom.transitionToClosedState();
    slo.flush();
    slo.evaluate();

    assertThat(alerts).hasSize(2);
    assertThat(alerts.get(1).firing()).isFalse();
    ServiceMetrics recovered = slo.getMetrics("calcom");
    assertThat(recovered.recoveries()).isEqualTo(1);
    assertThat(recovered.meanRecovery()).isEqualTo(Duration.ofMinutes(4));
    assertThat(recovered.currentOutage()).isEmpty();
    assertThat(slo.getSloMetrics("calcom").recoveryMet()).isTrue(); // 240 s within 300 s
  }

  @Test
  void aSharedBreakersTransitionIsCountedOnceWhateverTheNodesThatSawIt() {
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    List<SloMonitor> fleet = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      RedissonClient client = redis.newRedisson();
      closeables.add(client::shutdown);
      RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix)
          .nodeId("node-" + n).withCircuitBreakerConfig(STEADY).meterRegistry(meters).build();
      closeables.add(registry::close);
      registries.add(registry);
      fleet.add(node("node-" + n, b -> b).bindAll(registry));
      RedisCircuitBreaker calcom = (RedisCircuitBreaker) registry.circuitBreaker("calcom");
      await().atMost(Duration.ofSeconds(10)).until(() -> calcom.stateVersion() > 0);
    }

    registries.get(0).circuitBreaker("calcom").transitionToOpenState();
    await().atMost(Duration.ofSeconds(10)).until(() -> registries.stream()
        .allMatch(r -> r.circuitBreaker("calcom").getState() == State.OPEN));
    fleet.forEach(SloMonitor::flush);

    assertThat(fleet.get(1).getMetrics("calcom").transitions()).isEqualTo(1);
    assertThat(fleet.get(1).services()).containsExactly("calcom");
  }

  @Test
  void trendsDashboardAndMetersShowTheFleet() {
    CircuitBreaker calcom = breaker("calcom");
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(STEADY);
    SloMonitor slo = node("a", b -> b.cascades(() -> List.of("calcom is OPEN, impacting retell"))).bindAll(registry);
    slo.bind(calcom);
    CircuitBreaker later = registry.circuitBreaker("retell"); // bound as it is added
    calls(calcom, 100, 0, Duration.ofMillis(10));
    slo.flush();
    clock.advance(Duration.ofMinutes(61)); // windows take whole minutes: the first batch is in the hour before
    calls(calcom, 80, 20, Duration.ofMillis(30));
    calls(later, 10, 0, Duration.ofMillis(1));
    slo.flush();
    slo.evaluate();

    SloReports.ServiceTrend trend = slo.getSystemTrends().services().get("calcom");
    assertThat(trend.requests()).isEqualTo(100);
    assertThat(trend.previousRequests()).isEqualTo(100);
    assertThat(trend.failureRate()).isEqualTo(0.2);
    assertThat(trend.previousFailureRate()).isZero();
    assertThat(trend.direction()).isEqualTo(SloReports.Direction.DEGRADING);

    SloReports.DashboardMetrics dashboard = slo.getDashboardMetrics();
    assertThat(dashboard.services()).containsOnlyKeys("calcom", "retell");
    assertThat(dashboard.requestsLastHour()).isEqualTo(110);
    assertThat(dashboard.services().get("calcom").state()).isEqualTo(State.CLOSED);
    assertThat(dashboard.activeAlerts()).extracting(SloAlert::type).contains(Type.CASCADE);

    assertThat(meters.get("r4jredis.slo.calls").tag("service", "calcom").tag("outcome", "failure").functionCounter()
        .count()).isEqualTo(20);
    assertThat(meters.get("r4jredis.slo.repairs").tag("service", "calcom").counter().count())
        .as("registered at start, 0 before any repair").isZero();
    assertThat(meters.get("r4jredis.slo.availability").tag("service", "calcom").gauge().value())
        .isEqualTo(180.0 / 200);
    assertThat(meters.get("r4jredis.slo.burn.rate").tag("service", "calcom").tag("window", "1h").gauge().value())
        .isCloseTo(200, offset(1e-9));
    assertThat(meters.get("r4jredis.slo.latency").tag("service", "retell").tag("quantile", "0.99").gauge().value())
        .isCloseTo(0.001, offset(0.0001));
    assertThat(meters.get("r4jredis.slo.alerts.active").tag("service", "calcom").gauge().value()).isPositive();
  }

  @Tag("fault")
  @Test
  void countsMadeWhileRedisIsDownAreFlushedWhenItReturns(@Dedicated(appendOnly = true) RedisServer dedicated) {
    this.redis = dedicated;
    CircuitBreaker calcom = breaker("calcom");
    SloMonitor slo = node("a", b -> b).bind(calcom);
    calls(calcom, 50, 0, Duration.ofMillis(5));
    slo.flush();

    dedicated.kill();
    calls(calcom, 100, 3, Duration.ofMillis(5));
    assertThatThrownBy(slo::flush).isInstanceOf(SloStoreException.class);
    assertThatThrownBy(slo::evaluate).isInstanceOf(SloStoreException.class);

    dedicated.restart();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(slo::flush);
    ServiceMetrics metrics = slo.getMetrics("calcom");
    assertThat(metrics.successes()).isEqualTo(150);
    assertThat(metrics.failures()).isEqualTo(3);
  }

  @Test
  void theScheduleFlushesAndEvaluatesByItself() {
    CircuitBreaker calcom = breaker("calcom");
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    SloMonitor slo = SloMonitor.builder(client).keyPrefix(prefix).meterRegistry(meters).alertListener(alerts::add)
        .flushInterval(Duration.ofMillis(50)).evaluationInterval(Duration.ofMillis(100)).build().bind(calcom);
    closeables.add(slo);

    calls(calcom, 50, 50, Duration.ofMillis(2));

    await().atMost(Duration.ofSeconds(10)).until(() -> alerts.stream().anyMatch(a -> a.type() == Type.FAST_BURN));
    assertThat(slo.getMetrics("calcom").requests()).isEqualTo(100);
    assertThat(meters.get("r4jredis.slo.availability").tag("service", "calcom").gauge().value()).isEqualTo(0.5);
  }

  @Test
  void tamperedTotalsAndAlertsAreRepairedOrSkippedNeverFatal() {
    CircuitBreaker calcom = breaker("calcom");
    SloMonitor slo = node("a", b -> b).bind(calcom);
    calls(calcom, 10, 0, Duration.ofMillis(5));
    slo.flush();
    RedissonClient attacker = redis.newRedisson();
    closeables.add(attacker::shutdown);
    attacker.<String, String>getMap(prefix + ":slo:{calcom}:total", StringCodec.INSTANCE).put("ok", "lots");
    attacker.<String, String>getMap(prefix + ":slo:alerts", StringCodec.INSTANCE).put("garbage", "no|pipes");

    calls(calcom, 5, 0, Duration.ofMillis(5));
    slo.flush(); // repairs the total instead of failing this flush and every one after it
    slo.evaluate();

    assertThat(meters.get("r4jredis.slo.repairs").tag("service", "calcom").counter().count()).isEqualTo(1.0);
    assertThat(slo.getMetrics("calcom").successes()).isEqualTo(5); // what the fleet counted since the repair
    assertThat(slo.activeAlerts()).isEmpty(); // the unreadable alert is skipped
    calls(calcom, 1, 0, Duration.ofMillis(5));
    slo.flush();
    assertThat(slo.getMetrics("calcom").successes()).isEqualTo(6);
  }

  /**
   * A node counts each request in the minute of the fleet's clock, Redis TIME, not its own: on a
   * Redis an hour behind this JVM, the counts land in the minute Redis is in.
   */
  @Test
  void countsLandInTheMinuteOfRedisTimeByDefault() {
    org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
    try (RedisServer behind = RedisServer.builder().clockOffset(Duration.ofHours(-1)).start()) {
      RedissonClient client = behind.newRedisson();
      closeables.add(client::shutdown);
      CircuitBreaker calcom = breaker("calcom");
      SloMonitor slo = SloMonitor.builder(client).keyPrefix(prefix).meterRegistry(meters)
          .flushInterval(Duration.ZERO).evaluationInterval(Duration.ZERO).build().bind(calcom);
      closeables.add(slo);

      // Flushes made before Redis first told its time use this node's clock: wait for one that did not.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        calls(calcom, 1, 0, Duration.ofMillis(1));
        slo.flush();
        long minute = behind.timeMillis() / 60_000;
        return client.getKeys().countExists(prefix + ":slo:{calcom}:cpm:" + minute,
            prefix + ":slo:{calcom}:cpm:" + (minute - 1)) > 0;
      });
      assertThat(slo.getMetrics("calcom", Duration.ofMinutes(5)).requests()).as("read on the same clock").isPositive();
    }
  }

  @Test
  void badSettingsAreRejected() {
    RedissonClient client = redis.newRedisson();
    closeables.add(client::shutdown);
    assertThatThrownBy(() -> SloDefinition.ofDefaults().withAvailability(1.0))
        .hasMessage("availabilityTarget must be in (0,1), was 1.0");
    assertThatThrownBy(() -> SloDefinition.ofDefaults().withWindow(Duration.ofMinutes(5)))
        .hasMessage("window must be from 1 h to 90 days, was PT5M");
    assertThatThrownBy(() -> SloMonitor.builder(client).flushInterval(Duration.ofMillis(5)))
        .hasMessage("flushInterval must be zero or at least 10 ms, was PT0.005S");
    SloMonitor slo = node("a", b -> b).bind(breaker("calcom"));
    assertThatThrownBy(() -> slo.bind(breaker("calcom")))
        .isInstanceOf(IllegalStateException.class).hasMessage("a breaker named 'calcom' is bound already");
  }
}
