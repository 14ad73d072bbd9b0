package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Resilience4j's contract on a node of a shared breaker, where it used to break (issue 12): from
 * the first call, on a held {@code Metrics}, with an initial state, with the config's clock, in
 * HALF_OPEN and FORCED_OPEN, around manual transitions and {@code close()}, and through the
 * Redis faults that used to leave a trial lease unused or let a second episode in. Where a plain
 * {@link CircuitBreakerStateMachine} gives the expected answer, it is asked side by side.
 */
@RedisTest
class ContractIT {

  private static final IOException DOWN = new IOException("dependency down");

  private final MutableClock clock = new MutableClock();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private Fleet fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig.Builder config,
      Consumer<RedisCircuitBreakerRegistry.Builder> customizer) {
    Fleet fleet = new Fleet(redis, nodes, prefix, config.clock(clock).build(), customizer);
    closing.add(fleet);
    return fleet;
  }

  private Fleet fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig.Builder config) {
    return fleet(redis, nodes, prefix, config, b -> { });
  }

  private CircuitBreaker oracle(CircuitBreakerConfig.Builder config) {
    return new CircuitBreakerStateMachine("oracle", config.clock(clock).build());
  }

  /** The issue's window: COUNT 10, minimum 10, 50 %; two trial calls; 5 s in OPEN. */
  private static CircuitBreakerConfig.Builder tenOfTen() {
    return tenOfTen(Duration.ofSeconds(5));
  }

  private static CircuitBreakerConfig.Builder tenOfTen(Duration waitInOpen) {
    return CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .permittedNumberOfCallsInHalfOpenState(2)
        .waitDurationInOpenState(waitInOpen);
  }

  private static void fail(CircuitBreaker breaker, int times) {
    for (int i = 0; i < times; i++) {
      breaker.onError(0, TimeUnit.NANOSECONDS, DOWN);
    }
  }

  private static void succeed(CircuitBreaker breaker, int times) {
    for (int i = 0; i < times; i++) {
      breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }
  }

  private static List<StateTransition> transitions(List<CircuitBreakerEvent> events) {
    return events.stream()
        .filter(CircuitBreakerOnStateTransitionEvent.class::isInstance)
        .map(e -> ((CircuitBreakerOnStateTransitionEvent) e).getStateTransition())
        .toList();
  }

  private static List<CircuitBreakerEvent> record(CircuitBreaker breaker) {
    List<CircuitBreakerEvent> events = new CopyOnWriteArrayList<>();
    breaker.getEventPublisher().onEvent(events::add);
    return events;
  }

  private static String window(CircuitBreaker.Metrics m) {
    return m.getNumberOfBufferedCalls() + " calls, " + m.getNumberOfFailedCalls() + " failed, "
        + m.getNumberOfSlowCalls() + " slow, " + m.getNumberOfSuccessfulCalls() + " successful, rate "
        + m.getFailureRate();
  }

  // ------------------------------------------------------------------ from the first call

  @Test
  void failuresRecordedBeforeRedisFirstAnswersOpenTheBreakerAndItStaysOpen(RedisServer redis,
      @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 1, prefix, tenOfTen());
    int runs = 100;
    int kept = 0;
    for (int run = 0; run < runs; run++) {
      // A fresh name each run: its creation in Redis is still under way while the failures come.
      RedisCircuitBreaker breaker = fleet.breaker(0, "fresh-" + run);
      List<CircuitBreakerEvent> events = record(breaker);
      fail(breaker, 10);
      assertThat(breaker.getState()).as("run %d, at once", run).isEqualTo(State.OPEN);
      await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.OPEN);
      assertThat(breaker.getState()).as("run %d, once Redis answered", run).isEqualTo(State.OPEN);
      assertThat(breaker.fleetMetrics().getNumberOfFailedCalls()).as("run %d", run).isEqualTo(10);
      assertThat(transitions(events)).as("run %d", run).containsExactly(StateTransition.CLOSED_TO_OPEN);
      kept++;
    }
    System.out.printf("FIGURE start-up: ten failures right after creation opened the breaker and it stayed"
        + " OPEN with 10 failed calls in the fleet window in %d of %d runs%n", kept, runs);
  }

  @Test
  void aSecondNodeCreatedWithoutAWarmUpOpensWithTheFirst(RedisServer redis, @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 2, prefix, tenOfTen());
    RedisCircuitBreaker a = fleet.breaker(0, "payments");
    RedisCircuitBreaker b = fleet.breaker(1, "payments");
    fail(a, 10);

    await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.OPEN);
    assertThat(a.getState()).isEqualTo(State.OPEN);
    assertThat(a.sharedState()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquirePermission()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(value = State.class, names = {"OPEN", "FORCED_OPEN", "DISABLED", "METRICS_ONLY"})
  void theInitialStateIsTheFleetsWithoutASpuriousTransition(State initial, RedisServer redis,
      @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 1, prefix, tenOfTen().initialState(initial));
    RedisCircuitBreaker breaker = fleet.breaker(0, "payments");
    List<CircuitBreakerEvent> events = record(breaker);
    CircuitBreaker oracle = oracle(tenOfTen().initialState(initial));

    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0);
    // Past several sync ticks the state must still be the initial one, fleet-wide.
    await().during(Duration.ofMillis(300)).atMost(Fleet.AWAIT).until(() ->
        breaker.getState() == initial && breaker.sharedState() == initial);
    assertThat(transitions(events)).isEmpty();
    fail(breaker, 10);
    fail(oracle, 10);
    assertThat(breaker.tryAcquirePermission()).isEqualTo(oracle.tryAcquirePermission());
    assertThat(breaker.getState()).isEqualTo(oracle.getState());
  }

  // ------------------------------------------------------------------ metrics

  @Test
  void aHeldMetricsObjectIsALiveView(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, tenOfTen()).breaker(0, "payments");
    CircuitBreaker.Metrics held = breaker.getMetrics(); // as a custom gauge holds it

    fail(breaker, 3);
    succeed(breaker, 2);

    assertThat(held.getNumberOfFailedCalls()).isEqualTo(3);
    assertThat(held.getNumberOfSuccessfulCalls()).isEqualTo(2);
    assertThat(held.getNumberOfBufferedCalls()).isEqualTo(5);
  }

  @Test
  void halfOpenShowsTheTrialWindowAndForcedOpenAnEmptyOneAsResilience4jDoes(RedisServer redis,
      @KeyPrefix String prefix) {
    CircuitBreakerConfig.Builder config = tenOfTen().permittedNumberOfCallsInHalfOpenState(3);
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, config).breaker(0, "payments");
    CircuitBreaker oracle = oracle(config);
    for (CircuitBreaker b : List.of(breaker, oracle)) {
      fail(b, 10);
      clock.advance(Duration.ofSeconds(6));
      assertThat(b.tryAcquirePermission()).isTrue();
      b.onError(0, TimeUnit.NANOSECONDS, DOWN);
    }
    assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN).isEqualTo(oracle.getState());
    assertThat(window(breaker.getMetrics())).isEqualTo(window(oracle.getMetrics()));

    breaker.transitionToForcedOpenState();
    oracle.transitionToForcedOpenState();
    assertThat(window(breaker.getMetrics())).isEqualTo(window(oracle.getMetrics()));
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.FORCED_OPEN);
    assertThat(window(breaker.getMetrics())).isEqualTo(window(oracle.getMetrics()));
  }

  @Test
  void resetAndTheSwitchToMetricsOnlyClearTheWindowAtOnce(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, tenOfTen()).breaker(0, "payments");
    fail(breaker, 4);
    breaker.reset();
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();

    fail(breaker, 4);
    breaker.transitionToMetricsOnlyState();
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.METRICS_ONLY);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
  }

  // ------------------------------------------------------------------ events and verdicts

  @Test
  void rateExceededEventsComeOnTheCallingThreadBeforeTheTransition(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, tenOfTen()).breaker(0, "payments");
    RedisCircuitBreaker metricsOnly = fleet(redis, 1, prefix + "-mo", tenOfTen().initialState(State.METRICS_ONLY))
        .breaker(0, "payments");
    CircuitBreaker oracle = oracle(tenOfTen());
    CircuitBreaker metricsOnlyOracle = oracle(tenOfTen().initialState(State.METRICS_ONLY));
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0 && metricsOnly.stateVersion() > 0);
    String caller = Thread.currentThread().getName();
    for (CircuitBreaker[] pair : List.of(new CircuitBreaker[] {breaker, oracle},
        new CircuitBreaker[] {metricsOnly, metricsOnlyOracle})) {
      List<String> ours = new CopyOnWriteArrayList<>();
      List<String> theirs = new ArrayList<>();
      pair[0].getEventPublisher().onEvent(e -> ours.add(e.getEventType() + "@" + Thread.currentThread().getName()));
      pair[1].getEventPublisher().onEvent(e -> theirs.add(e.getEventType() + "@" + Thread.currentThread().getName()));
      fail(pair[0], 10);
      fail(pair[1], 10);
      // Compared at once: every one of these events is published inside the call that causes it.
      assertThat(ours).as("events of %s", pair[0].getState()).isEqualTo(theirs);
      assertThat(ours).allMatch(e -> e.endsWith("@" + caller));
    }
  }

  @Test
  void theTrialCallThatReachesTheVerdictAppliesItBeforeItReturns(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, tenOfTen()).breaker(0, "payments");
    fail(breaker, 10);
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.OPEN);
    clock.advance(Duration.ofSeconds(6));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.tryAcquirePermission()).isTrue();
    succeed(breaker, 2);

    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.CLOSED);
  }

  @Test
  void theConfigClockDrivesTheOpenDeadline(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, tenOfTen()).breaker(0, "payments");
    fail(breaker, 10);
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.OPEN);
    clock.advance(Duration.ofMillis(4_999));
    assertThat(breaker.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofMillis(2));
    assertThat(breaker.tryAcquirePermission()).as("5 s of the config's clock, not of real time").isTrue();
    assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
  }

  @Test
  void transitionOnResultOpensOnceAndNeverOverridesALaterForcedOpen(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig.Builder config = tenOfTen().transitionOnResult(result ->
        result.isLeft() && "429".equals(result.getLeft())
            ? TransitionCheckResult.transitionToOpenAndWaitFor(Duration.ofSeconds(30))
            : TransitionCheckResult.noTransition());
    Fleet fleet = fleet(redis, 2, prefix, config);
    RedisCircuitBreaker a = fleet.breaker(0, "payments");
    RedisCircuitBreaker b = fleet.breaker(1, "payments");
    await().atMost(Fleet.AWAIT).until(() -> a.stateVersion() > 0 && a.stateVersion() == b.stateVersion());
    long before = a.stateVersion();

    for (int i = 0; i < 20; i++) {
      a.onResult(0, TimeUnit.NANOSECONDS, "429"); // twenty calls in flight, all answering 429
    }
    await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.OPEN);
    for (int i = 0; i < 20; i++) {
      b.onResult(0, TimeUnit.NANOSECONDS, "429");
    }
    await().during(Duration.ofMillis(200)).atMost(Fleet.AWAIT).until(() -> a.stateVersion() == before + 1);

    a.onResult(0, TimeUnit.NANOSECONDS, "429");
    a.transitionToForcedOpenState();
    await().during(Duration.ofMillis(300)).atMost(Fleet.AWAIT).until(() ->
        a.sharedState() == State.FORCED_OPEN && b.getState() == State.FORCED_OPEN);
  }

  // ------------------------------------------------------------------ manual transitions, close()

  @Test
  void aManualTransitionIsCheckedAgainstThisNodesState(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig.Builder config = CircuitBreakerConfig.custom()
        .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(60);
    Fleet fleet = fleet(redis, 2, prefix, config);
    RedisCircuitBreaker a = fleet.breaker(0, "payments");
    RedisCircuitBreaker b = fleet.breaker(1, "payments");
    succeed(b, 10);
    await().atMost(Fleet.AWAIT).until(() -> a.fleetMetrics().getNumberOfSuccessfulCalls() == 10);
    fail(a, 10); // 100 % of a's own calls, 50 % of the fleet's: a trips alone
    await().atMost(Fleet.AWAIT).until(() -> a.fleetMetrics().getNumberOfFailedCalls() == 10);
    assertThat(a.getState()).isEqualTo(State.OPEN);
    assertThat(a.sharedState()).isEqualTo(State.CLOSED);

    assertThatCode(a::transitionToHalfOpenState).doesNotThrowAnyException();
    assertThat(a.getState()).isEqualTo(State.HALF_OPEN);
    assertThat(a.tryAcquirePermission()).isTrue();
  }

  @Test
  void closingTheRegistryLeavesItsBreakersWorkingAsPlainResilience4jBreakers(RedisServer redis,
      @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 1, prefix, tenOfTen());
    RedisCircuitBreaker breaker = fleet.breaker(0, "payments");
    fail(breaker, 10);
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.OPEN);

    fleet.node(0).close();
    assertThat(breaker.syncMode()).isEqualTo(SyncMode.LOCAL);
    assertThat(fleet.node(0).syncMode()).isEqualTo(SyncMode.LOCAL);
    clock.advance(Duration.ofSeconds(6));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.tryAcquirePermission()).isFalse();
    succeed(breaker, 2);
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquirePermission()).isTrue();
  }

  @Test
  @Tag("fault")
  void aManualTransitionMadeWhileLocalGivesWayToTheFleetOnRejoin(@Dedicated RedisServer redis,
      @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 1, prefix, tenOfTen());
    RedisCircuitBreaker breaker = fleet.breaker(0, "payments");
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0);

    redis.kill();
    await().atMost(Fleet.AWAIT).until(() -> breaker.syncMode() == SyncMode.LOCAL);
    breaker.transitionToForcedOpenState(); // this node only: Redis is away
    assertThat(breaker.tryAcquirePermission()).isFalse();

    redis.restart();
    await().atMost(Fleet.AWAIT).until(() -> breaker.syncMode() == SyncMode.SHARED);
    await().atMost(Fleet.AWAIT).untilAsserted(() -> {
      assertThat(breaker.sharedState()).isEqualTo(State.CLOSED);
      assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    });
    assertThat(breaker.tryAcquirePermission()).isTrue();
  }

  // ------------------------------------------------------------------ the trial episode

  @Test
  void aManualHalfOpenPermitsAtOnceAndItsMaximumWaitEndsItWithoutTraffic(RedisServer redis,
      @KeyPrefix String prefix) {
    // The maximum wait in HALF_OPEN runs on Resilience4j's scheduler, in real time.
    CircuitBreakerConfig.Builder config = tenOfTen().maxWaitDurationInHalfOpenState(Duration.ofMillis(300));
    RedisCircuitBreaker breaker = fleet(redis, 1, prefix, config).breaker(0, "payments");
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0);
    breaker.transitionToOpenState();
    breaker.transitionToHalfOpenState();
    assertThat(breaker.tryAcquirePermission()).as("a trial call at once, as Resilience4j permits").isTrue();
    breaker.releasePermission();

    await().atMost(Fleet.AWAIT).untilAsserted(() -> {
      assertThat(breaker.getState()).isEqualTo(State.OPEN);
      assertThat(breaker.sharedState()).isEqualTo(State.OPEN);
    });
  }

  @Test
  void theHolderKeepsItsEpisodeWhileItsTrialCallsRunAndOtherNodesSeeItsRenewals(RedisServer redis,
      @KeyPrefix String prefix) {
    // Real time: leases lapse on the system clock here.
    HistoryChecker history = new HistoryChecker();
    Fleet fleet = new Fleet(redis, 2, prefix, tenOfTen(Duration.ofMillis(200)).build(),
        b -> b.trialLeaseDuration(Duration.ofMillis(300)).history(history));
    closing.add(fleet);
    RedisCircuitBreaker a = fleet.breaker(0, "payments");
    RedisCircuitBreaker b = fleet.breaker(1, "payments");
    assertThat(a.tryAcquirePermission()).isTrue(); // a call begun while CLOSED, ending in HALF_OPEN
    fail(a, 10);
    await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.OPEN);
    await().atMost(Fleet.AWAIT).pollInterval(Duration.ofMillis(5)).until(a::tryAcquirePermission);
    assertThat(a.tryAcquirePermission()).isTrue(); // a's two trial calls: running for a while
    a.onSuccess(0, TimeUnit.NANOSECONDS); // the call begun while CLOSED ends (Resilience4j counts it)

    // Five lease durations: a renews its lease, b sees it held and claims nothing.
    await().during(Duration.ofMillis(1_500)).atMost(Fleet.AWAIT).until(() -> {
      assertThat(b.tryAcquirePermission()).as("b's call while a's trial calls run").isFalse();
      return a.getState() == State.HALF_OPEN && b.sharedState() == State.HALF_OPEN;
    });
    assertThat(fleet.meters.find("r4jredis.state.trial.claims").tag("node", "node-1").tag("outcome", "granted")
        .counters()).allMatch(c -> c.count() == 0);
    succeed(a, 2); // the trials end: the verdict (3 successes of 2 permitted calls plus one earlier)
    await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.CLOSED);
    assertThat(history.violations(2)).isEmpty();
  }

  @Test
  @Tag("fault")
  void aLeaseWhoseClaimReplyTimedOutIsUsedByItsHolder(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    Fleet fleet = fleet(redis, 2, prefix, tenOfTen(), b -> b
        .trialLeaseDuration(Duration.ofSeconds(1)).localModeAfter(Duration.ofSeconds(3)));
    RedisCircuitBreaker a = fleet.breaker(0, "payments");
    RedisCircuitBreaker b = fleet.breaker(1, "payments");
    fail(a, 10);
    await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.OPEN);
    fleet.node(0).close(); // a leaves: its reservation of the trial episode lapses a lease after the wait
    clock.advance(Duration.ofMillis(6_500));

    redis.pause(); // b's claim reaches Redis, its reply does not come back in time
    assertThat(b.tryAcquirePermission()).isFalse(); // asks for the lease, in the background
    await().atMost(Fleet.AWAIT).until(() -> fleet.meters.find("r4jredis.state.sync.failures").tag("node", "node-1")
        .counters().stream().mapToDouble(c -> c.count()).sum() > 0);
    redis.resume();

    await().atMost(Fleet.AWAIT).until(b::tryAcquirePermission);
    assertThat(b.sharedState()).isEqualTo(State.HALF_OPEN);
    assertThat(fleet.node(1).sharedBreaker("payments").orElseThrow().trialHolder()).contains("node-1");
  }

  @Test
  @Tag("fault")
  void anAutomaticTransitionPastADelayedVerdictBeginsANewEpisode(@Dedicated RedisServer redis,
      @KeyPrefix String prefix) {
    // Resilience4j schedules the automatic transition in real time, whatever the clock.
    CircuitBreakerConfig.Builder config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .permittedNumberOfCallsInHalfOpenState(1)
        .waitDurationInOpenState(Duration.ofMillis(300))
        .automaticTransitionFromOpenToHalfOpenEnabled(true);
    HistoryChecker history = new HistoryChecker();
    Fleet fleet = fleet(redis, 1, prefix, config,
        b -> b.localModeAfter(Duration.ofSeconds(5)).history(history));
    RedisCircuitBreaker breaker = fleet.breaker(0, "payments");
    history.watch("node-0", breaker);
    fail(breaker, 10);
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.HALF_OPEN);

    long episode = breaker.stateVersion();
    redis.pause(); // the verdict of this episode cannot reach Redis
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onError(0, TimeUnit.NANOSECONDS, DOWN);
    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    await().atMost(Fleet.AWAIT).until(() -> breaker.getState() == State.HALF_OPEN); // 300 ms later
    assertThat(breaker.tryAcquirePermission()).isTrue(); // Resilience4j's next episode
    assertThat(breaker.tryAcquirePermission()).isFalse();
    redis.resume();

    // The verdict, then the next episode: two versions, each episode with its one trial call.
    await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.HALF_OPEN
        && breaker.stateVersion() == episode + 2 && history.episodes() == 2);
    assertThat(history.violations(1)).as("one trial call per episode").isEmpty();
  }
}
