package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Ten nodes, each with its own RedissonClient, sharing breakers through one Redis. */
@RedisTest
class FleetIT {

  private static final int NODES = 10;
  private static final IOException DOWN = new IOException("dependency down");

  private static CircuitBreakerConfig.Builder countWindow(int size) {
    return CircuitBreakerConfig.custom()
        .slidingWindow(size, size, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50);
  }

  @Test
  void opensOnFailuresCountedAcrossNodesThatNoNodeSawAlone(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, countWindow(20).build())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);

      for (RedisCircuitBreaker breaker : breakers) {
        breaker.onError(1, TimeUnit.MILLISECONDS, DOWN);
        breaker.onError(1, TimeUnit.MILLISECONDS, DOWN);
      }

      // 2 failures each: no local window reaches its 20 calls; the fleet's does.
      assertThat(breakers).allSatisfy(b -> assertThat(b.localMetrics().getFailureRate()).isEqualTo(-1f));
      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.OPEN)));
      assertThat(breakers).allSatisfy(b -> assertThat(b.fleetMetrics().getNumberOfFailedCalls()).isEqualTo(20));
    }
  }

  /**
   * While the fleet is CLOSED and far from its thresholds, fast successes wait on the node (up to
   * maxFlushDelay) instead of costing Redis a script every sync; the first failure goes at once
   * and takes every success recorded before it along: the fleet's window misses none of them.
   */
  @Test
  void successesWaitWhileAllIsWellAndGoWithTheFirstFailure(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, countWindow(100).minimumNumberOfCalls(10).build())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      RedisCircuitBreaker node0 = breakers.get(0);
      for (int i = 0; i < 10; i++) {
        node0.onSuccess(1, TimeUnit.MILLISECONDS); // under the minimum number of calls: sent
      }
      await().atMost(Fleet.AWAIT).until(() -> node0.fleetMetrics().getNumberOfBufferedCalls() == 10);

      for (int i = 0; i < 30; i++) {
        breakers.get(i % 2).onSuccess(1, TimeUnit.MILLISECONDS);
      }
      // Held (for 500 ms at least; maxFlushDelay is 5 s) while the fleet is far from its threshold.
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> fleet.registries.get(0).sharedBreaker("payments").orElseThrow().calls() < 40);

      breakers.get(1).onError(1, TimeUnit.MILLISECONDS, DOWN);
      breakers.get(0).onError(1, TimeUnit.MILLISECONDS, DOWN);
      await().atMost(Fleet.AWAIT).until(() -> fleet.registries.get(0).sharedBreaker("payments").orElseThrow()
          .calls() == 42);
      assertThat(fleet.registries.get(0).sharedBreaker("payments").orElseThrow().failedCalls()).isEqualTo(2);
    }
  }

  /**
   * Node 0 sends 10 successes (under the minimum number of calls: at once), then records 20 more,
   * which it holds: the fleet is quiet and far from its threshold.
   */
  private static List<RedisCircuitBreaker> holdTwentySuccesses(Fleet fleet) {
    List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
    awaitSeeded(breakers);
    for (int i = 0; i < 10; i++) {
      breakers.get(0).onSuccess(1, TimeUnit.MILLISECONDS);
    }
    await().atMost(Fleet.AWAIT).until(() -> breakers.get(0).fleetMetrics().getNumberOfBufferedCalls() == 10);
    for (int i = 0; i < 20; i++) {
      breakers.get(0).onSuccess(1, TimeUnit.MILLISECONDS);
    }
    return breakers;
  }

  /** A registry that closes sends the successes it held: nothing counted is lost. */
  @Test
  void aClosingRegistrySendsWhatItHeld(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, countWindow(100).minimumNumberOfCalls(10).build())) {
      List<RedisCircuitBreaker> breakers = holdTwentySuccesses(fleet);
      fleet.registries.get(0).close();
      assertThat(fleet.registries.get(1).sharedBreaker("payments").orElseThrow().calls()).isEqualTo(30);
    }
  }

  /**
   * A node's first failures in a quiet fleet are told to every node: the successes others hold
   * go at once (well within maxFlushDelay), so that one node's failures never stand alone in the
   * fleet's window.
   */
  @Test
  void theFirstFailuresOfAQuietFleetBringEveryHeldSuccess(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, countWindow(100).minimumNumberOfCalls(10).build())) {
      List<RedisCircuitBreaker> breakers = holdTwentySuccesses(fleet);
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
          .until(() -> fleet.registries.get(0).sharedBreaker("payments").orElseThrow().calls() == 10);

      breakers.get(1).onError(1, TimeUnit.MILLISECONDS, DOWN);
      await().atMost(Duration.ofSeconds(2)).until(() ->
          fleet.registries.get(0).sharedBreaker("payments").orElseThrow().calls() == 31);
    }
  }

  /**
   * A fleet whose window is full of successes opens on the failure Resilience4j would open on,
   * however many nodes skipped successes meanwhile: those came before the failures, and sent
   * after them (each node's one success standing for its skipped ones, at the news of the first
   * failure) they pushed failures out of the window. 12 nodes, COUNT_BASED 20: 10 failures, one
   * per node after the first node's, must open it (11 skipped successes landing after the first
   * failure used to leave 9 of the 10 in the window).
   */
  @Test
  void successesSkippedBeforeAnOutageDoNotPushItsFailuresOut(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 12, prefix, countWindow(20).build())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      for (RedisCircuitBreaker breaker : breakers) {
        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
      }
      // Every node sees the window full of successes: from then on a success changes nothing there.
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breakers).allSatisfy(b -> {
        b.onSuccess(1, TimeUnit.MILLISECONDS);
        assertThat(b.fleetMetrics().getNumberOfBufferedCalls()).isEqualTo(20);
      }));
      for (RedisCircuitBreaker breaker : breakers) {
        breaker.onSuccess(1, TimeUnit.MILLISECONDS); // skipped
      }

      breakers.get(0).onError(1, TimeUnit.MILLISECONDS, DOWN);
      // The news of the first failure reaches every node (a message); the fleet stays CLOSED.
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() ->
          fleet.registries.get(0).sharedBreaker("payments").orElseThrow().failedCalls() == 1);
      for (int node = 1; node < 10; node++) {
        breakers.get(node).onError(1, TimeUnit.MILLISECONDS, DOWN);
      }

      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.OPEN));
        // A node told by a message reads the window at its next tick.
        assertThat(breakers.get(11).fleetMetrics().getNumberOfFailedCalls()).isEqualTo(10);
      });
    }
  }

  /**
   * 10 nodes at 100 calls/s each against a dependency that is dead from the start; TIME_BASED
   * window, minimumNumberOfCalls 100. Independent breakers would each need 100 failures (1000
   * for the fleet); the shared one needs 100 plus what arrives while the news spreads.
   */
  @Test
  void stopsAFleetAfterAboutTheFailuresItsWindowNeeds(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 100, SlidingWindowType.TIME_BASED)
        .failureRateThreshold(50)
        .build();
    AtomicLong reachedDependency = new AtomicLong();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config)) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
      try {
        for (RedisCircuitBreaker breaker : breakers) {
          load.scheduleAtFixedRate(() -> {
            if (breaker.tryAcquirePermission()) {
              reachedDependency.incrementAndGet();
              breaker.onError(1, TimeUnit.MILLISECONDS, DOWN);
            }
          }, 0, 10, TimeUnit.MILLISECONDS);
        }
        await().atMost(Fleet.AWAIT).untilAsserted(() ->
            assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.OPEN)));
      } finally {
        load.shutdownNow();
      }
      long wasted = reachedDependency.get();
      System.out.printf("fleet of %d at 1000 calls/s, minimumNumberOfCalls 100: %d calls reached the dead"
          + " dependency before every node rejected (independent breakers: %d)%n", NODES, wasted, NODES * 100);
      assertThat(wasted).isBetween(100L, 300L);
    }
  }

  @Test
  void grantsExactlyThePermittedTrialCallsFleetWide(RedisServer redis, @KeyPrefix String prefix) throws Exception {
    CircuitBreakerConfig config = countWindow(10).permittedNumberOfCallsInHalfOpenState(3)
        .waitDurationInOpenState(Duration.ofMillis(200)).build();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config)) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      breakers.get(0).transitionToOpenState();
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.OPEN));

      AtomicInteger permits = new AtomicInteger();
      AtomicInteger attempts = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      for (RedisCircuitBreaker breaker : breakers) {
        Thread thread = new Thread(() -> {
          while (!stop.get()) {
            attempts.incrementAndGet();
            if (breaker.tryAcquirePermission()) {
              permits.incrementAndGet(); // a trial call that never finishes: the episode stays open
            }
          }
        });
        threads.add(thread);
        thread.start();
      }
      await().atMost(Fleet.AWAIT).until(() -> permits.get() >= 3);
      int attemptsAtThird = attempts.get();
      await().atMost(Fleet.AWAIT).until(() -> attempts.get() > attemptsAtThird + 100_000);
      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }

      assertThat(permits.get()).isEqualTo(3);
      assertThat(breakers).allSatisfy(b -> assertThat(b.sharedState()).isEqualTo(State.HALF_OPEN));
      System.out.printf("HALF_OPEN: %d trial calls granted fleet-wide over %d attempts on %d nodes%n",
          permits.get(), attempts.get(), NODES);
    }
  }

  @Test
  void aProbeHolderThatDiesLosesItsLease(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = countWindow(10).permittedNumberOfCallsInHalfOpenState(2)
        .waitDurationInOpenState(Duration.ofMillis(100)).build();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config,
        b -> b.trialLeaseDuration(Duration.ofMillis(600)))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      breakers.get(0).transitionToOpenState();
      RedisCircuitBreaker first = breakers.get(0);
      await().atMost(Fleet.AWAIT).until(first::tryAcquirePermission);
      long episode = first.stateVersion();
      fleet.node(0).close(); // node 0 dies mid-probe: no verdict, no renewal

      List<RedisCircuitBreaker> survivors = breakers.subList(1, NODES);
      assertThat(survivors).noneMatch(RedisCircuitBreaker::tryAcquirePermission);
      await().atMost(Fleet.AWAIT).until(() -> survivors.stream().anyMatch(RedisCircuitBreaker::tryAcquirePermission));
      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(survivors).allSatisfy(b -> assertThat(b.stateVersion()).isGreaterThan(episode)));
      assertThat(fleet.node(1).sharedBreaker("payments").orElseThrow().trialHolder()).isNotEqualTo(java.util.Optional.of("node-0"));
    }
  }

  @Test
  void manualTransitionsAndResetsReachEveryNodeWithEvents(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, countWindow(10).build())) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      List<List<CircuitBreakerEvent>> events = new ArrayList<>();
      for (RedisCircuitBreaker breaker : breakers) {
        List<CircuitBreakerEvent> seen = new CopyOnWriteArrayList<>();
        breaker.getEventPublisher().onEvent(seen::add);
        events.add(seen);
      }

      breakers.get(3).transitionToForcedOpenState();

      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.FORCED_OPEN)));
      assertThat(breakers).allSatisfy(b -> assertThat(b.tryAcquirePermission()).isFalse());

      assertThat(fleet.node(7).reset("payments")).isTrue();

      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.CLOSED)));
      for (List<CircuitBreakerEvent> seen : events) {
        await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(seen)
            .as("events of node %d: %s", events.indexOf(seen), seen)
            .extracting(CircuitBreakerEvent::getEventType)
            .containsExactly(CircuitBreakerEvent.Type.STATE_TRANSITION, CircuitBreakerEvent.Type.STATE_TRANSITION,
                CircuitBreakerEvent.Type.RESET));
        assertThat(seen.subList(0, 2)).extracting(e -> ((CircuitBreakerOnStateTransitionEvent) e).getStateTransition())
            .containsExactly(StateTransition.CLOSED_TO_FORCED_OPEN, StateTransition.FORCED_OPEN_TO_CLOSED);
      }
    }
  }

  @Test
  void aQuorumKeepsOneSickNodeFromOpeningTheFleet(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, countWindow(10).build(),
        b -> b.minimumReportingNodes(2))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      awaitSeeded(breakers);
      RedisCircuitBreaker sick = breakers.get(0);
      for (int i = 0; i < 10; i++) {
        sick.onError(1, TimeUnit.MILLISECONDS, DOWN);
      }

      assertThat(sick.getState()).isEqualTo(State.OPEN); // its own state machine protects it
      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(sick.fleetMetrics().getNumberOfFailingNodes()).isEqualTo(1));
      assertThat(sick.sharedState()).isEqualTo(State.CLOSED);
      assertThat(breakers.subList(1, NODES)).allSatisfy(b -> {
        assertThat(b.getState()).isEqualTo(State.CLOSED);
        assertThat(b.tryAcquirePermission()).isTrue();
      });

      RedisCircuitBreaker second = breakers.get(1);
      second.onError(1, TimeUnit.MILLISECONDS, DOWN);

      await().atMost(Fleet.AWAIT).untilAsserted(() ->
          assertThat(breakers).allSatisfy(b -> assertThat(b.getState()).isEqualTo(State.OPEN)));
    }
  }

  static void awaitSeeded(List<RedisCircuitBreaker> breakers) {
    await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.stateVersion() > 0));
  }
}
