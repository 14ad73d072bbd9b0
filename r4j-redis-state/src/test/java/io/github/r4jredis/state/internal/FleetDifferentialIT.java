package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.state.FleetMetrics;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.redisson.api.RedissonClient;

/**
 * The fleet is one Resilience4j breaker: random outcomes on random nodes (each merged before the
 * next, so the fleet's order is the sequence's), fed to 2-4 nodes of a shared breaker and to one
 * {@link CircuitBreakerStateMachine} with the union of the calls the nodes permitted. The shared
 * state and the fleet's window must be the machine's after every step, for COUNT_BASED and
 * TIME_BASED windows; the fleet must open on the same call; past the wait, exactly the permitted
 * trial calls must be granted fleet-wide, and their verdict must be the machine's.
 */
class FleetDifferentialIT {

  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static RedisServer redis;
  private static RedissonClient client;

  @BeforeContainer
  static void start() {
    redis = RedisServer.fromEnvironment();
    client = redis.newRedisson();
  }

  @AfterContainer
  static void stop() throws Exception {
    client.shutdown();
    redis.close();
  }

  /** The window and thresholds the sequences vary. */
  record Shape(SlidingWindowType type, int size, int minimumCalls, float failureRate, float slowRate, int trials) {

    CircuitBreakerConfig config(MutableClock clock) {
      return CircuitBreakerConfig.custom()
          .slidingWindow(size, minimumCalls, type)
          .failureRateThreshold(failureRate)
          .slowCallRateThreshold(slowRate)
          .slowCallDurationThreshold(Duration.ofMillis(500))
          .permittedNumberOfCallsInHalfOpenState(trials)
          .waitDurationInOpenState(Duration.ofSeconds(5))
          .clock(clock)
          .build();
    }
  }

  /** A call on node {@code node} ending after {@code millis} (slow past 500 ms), or a clock move. */
  record Step(int node, boolean failure, int millis, int advance) {}

  @Provide
  Arbitrary<Shape> shapes() {
    return Combinators.combine(
        Arbitraries.of(SlidingWindowType.values()),
        Arbitraries.integers().between(2, 12),
        Arbitraries.integers().between(1, 12),
        Arbitraries.of(25f, 50f, 60f, 100f),
        Arbitraries.of(50f, 100f),
        Arbitraries.integers().between(1, 3)).as(Shape::new);
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.integers().between(0, 3),
        Arbitraries.frequency(Tuple.of(1, true), Tuple.of(1, false)),
        Arbitraries.of(0, 10, 700),
        Arbitraries.frequency(Tuple.of(8, 0), Tuple.of(1, 400), Tuple.of(1, 1_500))).as(Step::new);
    return step.list().ofMinSize(5).ofMaxSize(40);
  }

  private static void end(CircuitBreaker breaker, Step step) {
    if (step.failure()) {
      breaker.onError(step.millis(), TimeUnit.MILLISECONDS, new IOException("down"));
    } else {
      breaker.onSuccess(step.millis(), TimeUnit.MILLISECONDS);
    }
  }

  private static String window(CircuitBreaker.Metrics m) {
    return m.getNumberOfBufferedCalls() + " calls, " + m.getNumberOfFailedCalls() + " failed, "
        + m.getNumberOfSlowCalls() + " slow, rates " + m.getFailureRate() + "/" + m.getSlowCallRate();
  }

  @Property(tries = 100)
  void theFleetIsOneResilience4jBreakerFedTheUnionOfItsCalls(@ForAll("shapes") Shape shape,
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 2, max = 4) int nodes) {
    MutableClock clock = new MutableClock();
    CircuitBreakerConfig config = shape.config(clock);
    CircuitBreaker oracle = new CircuitBreakerStateMachine("b", config);
    String prefix = "fleetdiff-" + PREFIXES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    List<SharedCircuitBreaker> fleet = new ArrayList<>();
    try {
      for (int n = 0; n < nodes; n++) {
        RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(config).keyPrefix(prefix).nodeId("n" + n)
            .syncInterval(Duration.ofMillis(2)).meterRegistry(new SimpleMeterRegistry()).build();
        registries.add(registry);
        fleet.add((SharedCircuitBreaker) registry.circuitBreaker("b"));
      }
      settle(fleet);
      List<String> trace = new ArrayList<>();
      for (Step step : steps) {
        if (oracle.getState() != State.CLOSED) {
          break;
        }
        clock.advance(Duration.ofMillis(step.advance()));
        SharedCircuitBreaker node = fleet.get(step.node() % nodes);
        boolean called = node.tryAcquirePermission();
        if (called) {
          assertThat(oracle.tryAcquirePermission()).as("the fleet's machine permits what a node does").isTrue();
          clock.advance(Duration.ofMillis(step.millis()));
          end(node, step);
          end(oracle, step);
        } else {
          // The documented difference: this node's own calls tripped its machine while the fleet
          // stays CLOSED. The call is not made, so the fleet's machine is not fed it either.
          assertThat(node.getState()).as("a node rejecting under a CLOSED fleet tripped alone").isEqualTo(State.OPEN);
          clock.advance(Duration.ofMillis(step.millis()));
        }
        settle(fleet);
        FleetMetrics shared = node.fleetMetrics(); // its reply carried the window after its call
        trace.add(step + (called ? "" : " (rejected)") + " -> oracle " + oracle.getState() + " "
            + window(oracle.getMetrics()) + " | fleet " + fleet.get(0).sharedState() + " v"
            + fleet.get(0).view().version() + " " + window(shared));
        String context = prefix + " " + shape + "\n  " + String.join("\n  ", trace);
        assertThat(fleet.get(0).sharedState()).as("shared state after\n  %s", context).isEqualTo(oracle.getState());
        if (called && oracle.getState() == State.CLOSED) {
          // The window as Redis evaluated it at the flush of this call, at the same clock as the
          // machine's (a TIME_BASED fleet window moves at flushes, Resilience4j's at every read).
          assertThat(window(shared)).as("fleet window after\n  %s", context).isEqualTo(window(oracle.getMetrics()));
        }
      }
      Statistics.label("ended").collect(shape.type(), oracle.getState());
      if (oracle.getState() != State.OPEN) {
        return;
      }
      // Past the wait: the fleet grants the trial calls the machine grants (at most the permitted
      // ones, from one node at a time), until the machine reaches its verdict.
      clock.advance(Duration.ofSeconds(6));
      assertThat(oracle.tryAcquirePermission()).isTrue();
      oracle.releasePermission(); // the machine is HALF_OPEN now, its permits intact
      int permitted = 0;
      int attempt = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (oracle.getState() == State.HALF_OPEN && System.nanoTime() < deadline) {
        SharedCircuitBreaker node = fleet.get(attempt++ % nodes);
        if (node.tryAcquirePermission()) {
          permitted++;
          assertThat(oracle.tryAcquirePermission()).as("trial call %d of %s", permitted, prefix).isTrue();
          Step outcome = new Step(0, permitted % 2 == 0, 0, 0);
          end(node, outcome);
          end(oracle, outcome);
        } else {
          Thread.onSpinWait();
        }
      }
      assertThat(oracle.getState()).as("the machine's verdict, %s", prefix).isNotEqualTo(State.HALF_OPEN);
      assertThat(permitted).as("trial calls granted, fleet-wide").isBetween(1, shape.trials());
      for (int i = 0; i < nodes * 20; i++) {
        SharedCircuitBreaker node = fleet.get(i % nodes);
        if (node.getState() == State.HALF_OPEN && node.tryAcquirePermission()) {
          throw new AssertionError("a trial call past the verdict on " + node.nodeId());
        }
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(fleet.get(0).sharedState()).as("the verdict of " + prefix).isEqualTo(oracle.getState()));
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
    }
  }

  private static void settle(List<SharedCircuitBreaker> fleet) {
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
        .until(() -> fleet.stream().allMatch(SharedCircuitBreaker::isSettled)
            && fleet.stream().map(SharedCircuitBreaker::stateVersion).distinct().count() == 1);
  }
}
