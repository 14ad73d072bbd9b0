package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent.Type;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.core.IntervalFunction;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The scenarios of Resilience4j's own CircuitBreakerStateMachineTest, on one node of a shared
 * breaker backed by a real Redis. Time is a {@link MutableClock} in the config, which also runs the
 * deadlines Redis computes. Where the fleet's state follows asynchronously (a flush, a verdict),
 * the test waits for it with Awaitility.
 */
@RedisTest
class ConformanceIT {

  private static final IOException DOWN = new IOException("dependency down");

  private final MutableClock clock = new MutableClock();
  private final List<CircuitBreakerEvent> events = new CopyOnWriteArrayList<>();
  private RedissonClient client;
  private RedisCircuitBreakerRegistry registry;
  private String prefix;

  @BeforeEach
  void connect(RedisServer redis, @KeyPrefix String prefix) {
    this.client = Fleet.client(redis, null);
    this.prefix = prefix;
  }

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    client.shutdown();
  }

  private RedisCircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
    registry = RedisCircuitBreakerRegistry.builder(client)
        .withCircuitBreakerConfig(config.clock(clock).build())
        .keyPrefix(prefix)
        .nodeId("conformance")
        .build();
    RedisCircuitBreaker breaker = (RedisCircuitBreaker) registry.circuitBreaker("backend");
    breaker.getEventPublisher().onEvent(events::add);
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() > 0);
    return breaker;
  }

  private static CircuitBreakerConfig.Builder countWindow(int size) {
    return CircuitBreakerConfig.custom()
        .slidingWindow(size, size, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .permittedNumberOfCallsInHalfOpenState(2); // Resilience4j's default wait: 60 s
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

  private static void awaitShared(RedisCircuitBreaker breaker, State state) {
    await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breaker.sharedState()).isEqualTo(state));
  }

  private List<StateTransition> transitions() {
    return events.stream()
        .filter(CircuitBreakerOnStateTransitionEvent.class::isInstance)
        .map(e -> ((CircuitBreakerOnStateTransitionEvent) e).getStateTransition())
        .toList();
  }

  private long count(Type type) {
    return events.stream().filter(e -> e.getEventType() == type).count();
  }

  @Test
  void shouldOpenTheMomentTheFailureRateReachesTheThreshold() {
    RedisCircuitBreaker breaker = breaker(countWindow(5));
    succeed(breaker, 2);
    fail(breaker, 2);
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);

    fail(breaker, 1);

    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    assertThat(breaker.tryAcquirePermission()).isFalse();
    awaitShared(breaker, State.OPEN);
    assertThat(breaker.getMetrics().getFailureRate()).isEqualTo(60f);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(5);
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_OPEN);
    assertThat(count(Type.FAILURE_RATE_EXCEEDED)).isPositive();
  }

  @Test
  void shouldReportMinusOneAndStayClosedBelowTheMinimumNumberOfCalls() {
    RedisCircuitBreaker breaker = breaker(countWindow(10).minimumNumberOfCalls(5));
    fail(breaker, 4);

    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    assertThat(breaker.getMetrics().getFailureRate()).isEqualTo(-1f);
    assertThat(breaker.getMetrics().getSlowCallRate()).isEqualTo(-1f);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
    await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breaker.fleetMetrics().getNumberOfReportingNodes()).isEqualTo(1));
    assertThat(breaker.sharedState()).isEqualTo(State.CLOSED);
  }

  @Test
  void shouldOpenWhenSlowCallsReachTheSlowCallRateThreshold() {
    RedisCircuitBreaker breaker = breaker(countWindow(4)
        .slowCallDurationThreshold(Duration.ofSeconds(1))
        .slowCallRateThreshold(50));
    breaker.onSuccess(2, TimeUnit.SECONDS);
    breaker.onSuccess(10, TimeUnit.MILLISECONDS);
    breaker.onError(3, TimeUnit.SECONDS, DOWN);
    breaker.onSuccess(1000, TimeUnit.MILLISECONDS); // not slow: slow means longer than the threshold

    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    awaitShared(breaker, State.OPEN);
    CircuitBreaker.Metrics metrics = breaker.getMetrics();
    assertThat(metrics.getNumberOfSlowCalls()).isEqualTo(2);
    assertThat(metrics.getNumberOfSlowSuccessfulCalls()).isEqualTo(1);
    assertThat(metrics.getNumberOfSlowFailedCalls()).isEqualTo(1);
    assertThat(metrics.getSlowCallRate()).isEqualTo(50f);
    assertThat(count(Type.SLOW_CALL_RATE_EXCEEDED)).isPositive();
  }

  @Test
  void ignoredExceptionsAreNotRecordedAndPublishAnIgnoredErrorEvent() {
    RedisCircuitBreaker breaker = breaker(countWindow(2).ignoreExceptions(IllegalArgumentException.class));
    breaker.onError(0, TimeUnit.NANOSECONDS, new IllegalArgumentException("caller's fault"));
    breaker.onError(0, TimeUnit.NANOSECONDS, new CompletionException(new IllegalArgumentException("wrapped")));

    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    assertThat(count(Type.IGNORED_ERROR)).isEqualTo(2);
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void exceptionsTheRecordPredicateRejectsCountAsSuccesses() {
    RedisCircuitBreaker breaker = breaker(countWindow(2).recordException(e -> e instanceof IOException));
    breaker.onError(0, TimeUnit.NANOSECONDS, new IllegalStateException("not a dependency failure"));
    breaker.onError(0, TimeUnit.NANOSECONDS, new IllegalStateException("not a dependency failure"));

    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(2);
    assertThat(count(Type.SUCCESS)).isEqualTo(2);
  }

  @Test
  void resultsTheRecordResultPredicateAcceptsCountAsFailures() {
    RedisCircuitBreaker breaker = breaker(countWindow(2).recordResult(r -> "500".equals(r)));
    breaker.onResult(0, TimeUnit.NANOSECONDS, "500");
    breaker.onResult(0, TimeUnit.NANOSECONDS, "500");

    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    assertThat(count(Type.ERROR)).isEqualTo(2);
  }

  @Test
  void shouldGoHalfOpenAfterTheWaitAndPermitExactlyTheConfiguredTrialCalls() {
    RedisCircuitBreaker breaker = breaker(countWindow(2).permittedNumberOfCallsInHalfOpenState(3));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);

    clock.advance(Duration.ofSeconds(59));
    assertThat(breaker.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofSeconds(2));

    // The node that opened the fleet holds the next trial episode: its own machine starts it, at
    // once, and Redis follows.
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.tryAcquirePermission()).isFalse();
    awaitShared(breaker, State.HALF_OPEN);
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_OPEN, StateTransition.OPEN_TO_HALF_OPEN);
  }

  @Test
  void successfulTrialCallsCloseTheBreakerForTheFleet() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);
    clock.advance(Duration.ofSeconds(61));

    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    assertThat(breaker.getState()).as("the verdict applies on the holder at once").isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquirePermission()).as("as in Resilience4j, calls flow again").isTrue();
    breaker.releasePermission();

    awaitShared(breaker, State.CLOSED);
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_OPEN,
        StateTransition.OPEN_TO_HALF_OPEN, StateTransition.HALF_OPEN_TO_CLOSED);
  }

  @Test
  void failedTrialCallsReopenWithTheNextBackoffWait() {
    RedisCircuitBreaker breaker = breaker(countWindow(2)
        .waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(10), 2)));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);
    clock.advance(Duration.ofSeconds(11));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onError(0, TimeUnit.NANOSECONDS, DOWN);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onError(0, TimeUnit.NANOSECONDS, DOWN);
    await().atMost(Fleet.AWAIT).until(() -> breaker.getState() == State.OPEN && breaker.stateVersion() >= 4);

    clock.advance(Duration.ofSeconds(15)); // the second open waits 20 s, not 10 s
    assertThat(breaker.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofSeconds(6));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_OPEN,
        StateTransition.OPEN_TO_HALF_OPEN, StateTransition.HALF_OPEN_TO_OPEN, StateTransition.OPEN_TO_HALF_OPEN);
  }

  @Test
  void automaticTransitionMovesToHalfOpenWithoutACall() {
    // Resilience4j schedules the automatic transition in real time, whatever the clock.
    RedisCircuitBreaker breaker = breaker(countWindow(2)
        .waitDurationInOpenState(Duration.ofMillis(300))
        .automaticTransitionFromOpenToHalfOpenEnabled(true));
    fail(breaker, 2);

    await().atMost(Fleet.AWAIT).untilAsserted(() -> {
      assertThat(breaker.sharedState()).isEqualTo(State.HALF_OPEN);
      assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
    });
    assertThat(breaker.tryAcquirePermission()).isTrue();
  }

  @Test
  void halfOpenEndsAfterItsMaximumWait() {
    // The maximum wait in HALF_OPEN runs on Resilience4j's scheduler, in real time.
    RedisCircuitBreaker breaker = breaker(countWindow(2)
        .waitDurationInOpenState(Duration.ofMillis(100))
        .maxWaitDurationInHalfOpenState(Duration.ofMillis(300)));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);
    clock.advance(Duration.ofMillis(101));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);

    await().atMost(Fleet.AWAIT).untilAsserted(() -> {
      assertThat(breaker.getState()).isEqualTo(State.OPEN);
      assertThat(breaker.sharedState()).isEqualTo(State.OPEN);
    });
  }

  @Test
  void transitionOnResultOpensTheFleetForTheRequestedWait() {
    RedisCircuitBreaker breaker = breaker(countWindow(100).transitionOnResult(result ->
        result.isLeft() && "429".equals(result.getLeft())
            ? TransitionCheckResult.transitionToOpenAndWaitFor(Duration.ofSeconds(30))
            : TransitionCheckResult.noTransition()));

    breaker.onResult(0, TimeUnit.NANOSECONDS, "429");

    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    awaitShared(breaker, State.OPEN);
    clock.advance(Duration.ofSeconds(29));
    assertThat(breaker.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofSeconds(2));
    assertThat(breaker.tryAcquirePermission()).isTrue();
  }

  @Test
  void forcedOpenRejectsEverythingWithoutPublishingRejections() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    breaker.transitionToForcedOpenState();

    assertThat(breaker.getState()).isEqualTo(State.FORCED_OPEN);
    awaitShared(breaker, State.FORCED_OPEN);
    clock.advance(Duration.ofHours(1));
    assertThat(breaker.tryAcquirePermission()).isFalse();
    assertThatThrownBy(breaker::acquirePermission)
        .isInstanceOf(CallNotPermittedException.class)
        .hasMessage("CircuitBreaker 'backend' is FORCED_OPEN and does not permit further calls");
    assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(2);
    assertThat(count(Type.NOT_PERMITTED)).isZero();
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_FORCED_OPEN);
  }

  @Test
  void disabledPermitsEverythingAndRecordsNothing() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    breaker.transitionToDisabledState();
    fail(breaker, 10);

    assertThat(breaker.getState()).isEqualTo(State.DISABLED);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    assertThat(count(Type.ERROR)).isZero();
  }

  @Test
  void metricsOnlyRecordsAndPublishesButNeverOpens() {
    RedisCircuitBreaker breaker = breaker(countWindow(4));
    breaker.transitionToMetricsOnlyState();
    fail(breaker, 10);

    assertThat(breaker.getState()).isEqualTo(State.METRICS_ONLY);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breaker.fleetMetrics().getNumberOfFailedCalls()).isEqualTo(4));
    assertThat(breaker.sharedState()).isEqualTo(State.METRICS_ONLY);
    assertThat(count(Type.ERROR)).isEqualTo(10);
    await().atMost(Fleet.AWAIT).until(() -> count(Type.FAILURE_RATE_EXCEEDED) >= 1);
  }

  @Test
  void illegalManualTransitionsThrowLikeResilience4j() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    breaker.transitionToMetricsOnlyState();

    assertThatThrownBy(breaker::transitionToHalfOpenState)
        .isInstanceOf(IllegalStateTransitionException.class)
        .hasMessage("CircuitBreaker 'backend' tried an illegal state transition from METRICS_ONLY to HALF_OPEN");
    assertThat(breaker.getState()).isEqualTo(State.METRICS_ONLY);
    awaitShared(breaker, State.METRICS_ONLY);
  }

  @Test
  void manualTransitionsAreSharedAndVersioned() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    long version = breaker.stateVersion();

    breaker.transitionToOpenStateFor(Duration.ofSeconds(5));
    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    breaker.transitionToHalfOpenState();
    breaker.transitionToClosedState();

    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    await().atMost(Fleet.AWAIT).until(() -> breaker.stateVersion() == version + 3);
    assertThat(transitions()).containsExactly(StateTransition.CLOSED_TO_OPEN,
        StateTransition.OPEN_TO_HALF_OPEN, StateTransition.HALF_OPEN_TO_CLOSED);
  }

  @Test
  void resetClosesClearsTheWindowAndPublishesAResetEvent() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);

    breaker.reset();

    assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    awaitShared(breaker, State.CLOSED);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    assertThat(count(Type.RESET)).isEqualTo(1);
    assertThat(breaker.tryAcquirePermission()).isTrue();
  }

  @Test
  void timeBasedWindowForgetsCallsOlderThanItsSize() {
    RedisCircuitBreaker breaker = breaker(CircuitBreakerConfig.custom()
        .slidingWindow(10, 4, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50));
    fail(breaker, 3);
    await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breaker.fleetMetrics().getNumberOfFailedCalls()).isEqualTo(3));
    clock.advance(Duration.ofSeconds(11));
    fail(breaker, 1);
    await().atMost(Fleet.AWAIT).untilAsserted(() ->
        assertThat(breaker.fleetMetrics().getNumberOfBufferedCalls()).isEqualTo(1));
    assertThat(breaker.getState()).isEqualTo(State.CLOSED);

    fail(breaker, 3);
    assertThat(breaker.getState()).isEqualTo(State.OPEN);
    awaitShared(breaker, State.OPEN);
  }

  @Test
  void rejectionsAreCountedAndPublished() {
    RedisCircuitBreaker breaker = breaker(countWindow(2));
    fail(breaker, 2);
    awaitShared(breaker, State.OPEN);

    assertThat(breaker.tryAcquirePermission()).isFalse();
    assertThatThrownBy(breaker::acquirePermission)
        .isInstanceOf(CallNotPermittedException.class)
        .hasMessage("CircuitBreaker 'backend' is OPEN and does not permit further calls");

    assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(2);
    assertThat(count(Type.NOT_PERMITTED)).isEqualTo(2);
  }

  @Test
  void decoratedCallsWorkAsWithPlainResilience4j() throws Exception {
    RedisCircuitBreaker breaker = breaker(countWindow(3));
    assertThat(breaker.executeCallable(() -> "ok")).isEqualTo("ok");
    assertThatThrownBy(() -> breaker.executeCallable(() -> { throw DOWN; })).isSameAs(DOWN);
    assertThatThrownBy(() -> breaker.executeCallable(() -> { throw DOWN; })).isSameAs(DOWN);

    assertThatThrownBy(() -> breaker.executeSupplier(() -> "never"))
        .isInstanceOf(CallNotPermittedException.class);
    assertThat(breaker.getTimestampUnit()).isEqualTo(TimeUnit.NANOSECONDS);
  }
}
