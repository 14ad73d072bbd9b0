package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnFailureRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSlowCallRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.redisson.api.RedissonClient;

/**
 * Differential tests: random sequences of calls, outcomes, durations, ignored and recorded
 * exceptions and results, manual transitions and clock moves, fed to a {@link RedisCircuitBreaker}
 * and to Resilience4j's own {@link CircuitBreakerStateMachine} with the same config. On one node,
 * every permission, state, live metric and event (type, order, rates, on the calling thread)
 * must match. On several nodes, the fleet's shared state must be the one a single Resilience4j
 * machine fed the union of the nodes' outcomes reaches. The configs and sequences are jqwik's;
 * a failure prints the shrunk sequence.
 */
class DifferentialIT {

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

  /** The part of a config the sequences vary; the rest is Resilience4j's default. */
  record Shape(SlidingWindowType type, int size, int minimumCalls, float failureRate, float slowRate,
      int slowMillis, int trials, int waitMillis, boolean backoff, State initial) {

    CircuitBreakerConfig config(MutableClock clock) {
      CircuitBreakerConfig.Builder builder = CircuitBreakerConfig.custom()
          .slidingWindow(size, minimumCalls, type)
          .failureRateThreshold(failureRate)
          .slowCallRateThreshold(slowRate)
          .slowCallDurationThreshold(Duration.ofMillis(slowMillis))
          .permittedNumberOfCallsInHalfOpenState(trials)
          .ignoreExceptions(IllegalArgumentException.class)
          .recordResult(result -> "bad".equals(result))
          .transitionOnResult(result -> result.isLeft() && "429".equals(result.getLeft())
              ? TransitionCheckResult.transitionToOpenAndWaitFor(Duration.ofMillis(waitMillis * 2L))
              : TransitionCheckResult.noTransition())
          .initialState(initial)
          .clock(clock);
      if (backoff) {
        builder.waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(waitMillis, 2));
      } else {
        builder.waitDurationInOpenState(Duration.ofMillis(waitMillis));
      }
      return builder.build();
    }
  }

  /** One step of a sequence. */
  sealed interface Op permits Call, Acquire, Release, Advance, Manual, Settle {}

  /** Asks for a permission; if granted, ends the call with this outcome after this many ms. */
  record Call(Outcome outcome, int millis) implements Op {}

  /** Asks for a permission and does nothing with it. */
  record Acquire() implements Op {}

  /** Gives a permission back. */
  record Release() implements Op {}

  /** Moves the clock. */
  record Advance(int millis) implements Op {}

  /** A manual transition or reset. */
  record Manual(String transition) implements Op {}

  /** Waits until Redis knows everything the node did (the other sequences do not wait). */
  record Settle() implements Op {}

  enum Outcome { SUCCESS, FAILURE, IGNORED, RESULT_OK, RESULT_BAD, RESULT_429 }

  @Provide
  Arbitrary<Shape> shapes() {
    Arbitrary<Object[]> window = Combinators.combine(
        Arbitraries.of(SlidingWindowType.values()),
        Arbitraries.integers().between(1, 12),
        Arbitraries.integers().between(1, 14),
        Arbitraries.of(1f, 25f, 50f, 60f, 100f),
        Arbitraries.of(1f, 50f, 100f)).as((a, b, c, d, e) -> new Object[] {a, b, c, d, e});
    Arbitrary<Object[]> rest = Combinators.combine(
        Arbitraries.of(50, 500, 60_000),
        Arbitraries.integers().between(1, 4),
        Arbitraries.of(1_000, 5_000, 60_000),
        Arbitraries.of(false, false, true),
        Arbitraries.frequency(Tuple.of(10, State.CLOSED), Tuple.of(1, State.OPEN), Tuple.of(1, State.HALF_OPEN),
            Tuple.of(1, State.METRICS_ONLY), Tuple.of(1, State.FORCED_OPEN), Tuple.of(1, State.DISABLED)))
        .as((a, b, c, d, e) -> new Object[] {a, b, c, d, e});
    return Combinators.combine(window, rest).as((w, r) -> new Shape((SlidingWindowType) w[0], (Integer) w[1],
        (Integer) w[2], (Float) w[3], (Float) w[4], (Integer) r[0], (Integer) r[1], (Integer) r[2],
        (Boolean) r[3], (State) r[4]));
  }

  @Provide
  Arbitrary<List<Op>> sequences() {
    Arbitrary<Op> call = Combinators.combine(
        Arbitraries.frequency(Tuple.of(6, Outcome.SUCCESS), Tuple.of(6, Outcome.FAILURE), Tuple.of(1, Outcome.IGNORED),
            Tuple.of(1, Outcome.RESULT_OK), Tuple.of(1, Outcome.RESULT_BAD), Tuple.of(1, Outcome.RESULT_429)),
        Arbitraries.of(0, 10, 100, 1_000)).as(Call::new);
    Arbitrary<Op> advance = Arbitraries.of(100, 900, 1_000, 2_500, 6_000, 61_000).map(Advance::new);
    Arbitrary<Op> manual = Arbitraries.of("OPEN", "OPEN_FOR", "HALF_OPEN", "CLOSED", "FORCED_OPEN",
        "DISABLED", "METRICS_ONLY", "RESET").map(Manual::new);
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        Tuple.of(20, call), Tuple.of(3, Arbitraries.<Op>just(new Acquire())),
        Tuple.of(2, Arbitraries.<Op>just(new Release())), Tuple.of(5, advance),
        Tuple.of(3, manual), Tuple.of(2, Arbitraries.<Op>just(new Settle())));
    return op.list().ofMinSize(5).ofMaxSize(60);
  }

  /** What a breaker showed after a step. */
  record Seen(String answer, State state, float failureRate, float slowRate, int buffered,
      int failed, int successful, int slow, int slowFailed, long notPermitted) {

    static Seen of(String answer, CircuitBreaker breaker) {
      CircuitBreaker.Metrics m = breaker.getMetrics();
      return new Seen(answer, breaker.getState(), m.getFailureRate(), m.getSlowCallRate(),
          m.getNumberOfBufferedCalls(), m.getNumberOfFailedCalls(), m.getNumberOfSuccessfulCalls(),
          m.getNumberOfSlowCalls(), m.getNumberOfSlowFailedCalls(), m.getNumberOfNotPermittedCalls());
    }
  }

  private static List<String> record(CircuitBreaker breaker, boolean checkThread) {
    List<String> events = new CopyOnWriteArrayList<>();
    breaker.getEventPublisher().onEvent(event -> events.add(describe(event, checkThread)));
    return events;
  }

  private static String describe(CircuitBreakerEvent event, boolean checkThread) {
    String text = event.getEventType().name();
    if (event instanceof CircuitBreakerOnStateTransitionEvent transition) {
      text += " " + transition.getStateTransition();
    } else if (event instanceof CircuitBreakerOnFailureRateExceededEvent rate) {
      text += " " + rate.getFailureRate();
    } else if (event instanceof CircuitBreakerOnSlowCallRateExceededEvent rate) {
      text += " " + rate.getSlowCallRate();
    }
    if (checkThread && Thread.currentThread().getName().startsWith("r4j-redis")) {
      text += " on " + Thread.currentThread().getName();
    }
    return text;
  }

  /** Ends a permitted call with {@code outcome}. */
  private static void finish(CircuitBreaker breaker, Call call) {
    switch (call.outcome()) {
      case SUCCESS -> breaker.onSuccess(call.millis(), TimeUnit.MILLISECONDS);
      case FAILURE -> breaker.onError(call.millis(), TimeUnit.MILLISECONDS, new IOException("down"));
      case IGNORED -> breaker.onError(call.millis(), TimeUnit.MILLISECONDS, new IllegalArgumentException("no"));
      case RESULT_OK -> breaker.onResult(call.millis(), TimeUnit.MILLISECONDS, "ok");
      case RESULT_BAD -> breaker.onResult(call.millis(), TimeUnit.MILLISECONDS, "bad");
      case RESULT_429 -> breaker.onResult(call.millis(), TimeUnit.MILLISECONDS, "429");
    }
  }

  /** A manual operation; the name of what it threw, or empty. */
  private static String manual(CircuitBreaker breaker, String transition) {
    try {
      switch (transition) {
        case "OPEN" -> breaker.transitionToOpenState();
        case "OPEN_FOR" -> breaker.transitionToOpenStateFor(Duration.ofSeconds(3));
        case "HALF_OPEN" -> breaker.transitionToHalfOpenState();
        case "CLOSED" -> breaker.transitionToClosedState();
        case "FORCED_OPEN" -> breaker.transitionToForcedOpenState();
        case "DISABLED" -> breaker.transitionToDisabledState();
        case "METRICS_ONLY" -> breaker.transitionToMetricsOnlyState();
        default -> breaker.reset();
      }
      return "";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  /**
   * Runs one step on both breakers, the clock moving once; returns what each answered
   * (permission or exception), oracle first.
   */
  private static String[] step(Op op, CircuitBreaker oracle, SharedCircuitBreaker ours, MutableClock clock) {
    if (op instanceof Call call) {
      boolean expected = oracle.tryAcquirePermission();
      boolean actual = ours.tryAcquirePermission();
      clock.advance(Duration.ofMillis(call.millis()));
      if (expected) {
        finish(oracle, call);
      }
      if (actual) {
        finish(ours, call);
      }
      return new String[] {Boolean.toString(expected), Boolean.toString(actual)};
    } else if (op instanceof Acquire) {
      return new String[] {Boolean.toString(oracle.tryAcquirePermission()),
          Boolean.toString(ours.tryAcquirePermission())};
    } else if (op instanceof Release) {
      oracle.releasePermission();
      ours.releasePermission();
    } else if (op instanceof Advance advance) {
      clock.advance(Duration.ofMillis(advance.millis()));
    } else if (op instanceof Manual m) {
      return new String[] {manual(oracle, m.transition()), manual(ours, m.transition())};
    } else {
      await().atMost(Duration.ofSeconds(5)).until(ours::isSettled);
    }
    return new String[] {"", ""};
  }

  private static RedisCircuitBreakerRegistry registry(CircuitBreakerConfig config, String prefix, String node) {
    return RedisCircuitBreakerRegistry.builder(client)
        .withCircuitBreakerConfig(config)
        .keyPrefix(prefix)
        .nodeId(node)
        .meterRegistry(new SimpleMeterRegistry())
        .build();
  }

  private static String prefix() {
    return "diff-" + PREFIXES.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  @Property(tries = 300)
  void oneNodeIsResilience4j(@ForAll("shapes") Shape shape, @ForAll("sequences") List<Op> ops) {
    MutableClock clock = new MutableClock();
    CircuitBreakerConfig config = shape.config(clock);
    CircuitBreaker oracle = new CircuitBreakerStateMachine("b", config);
    List<String> expectedEvents = record(oracle, false);
    String prefix = prefix();
    try (RedisCircuitBreakerRegistry registry = registry(config, prefix, "n1")) {
      SharedCircuitBreaker ours = (SharedCircuitBreaker) registry.circuitBreaker("b");
      List<String> events = record(ours, true);
      List<String> trace = new ArrayList<>();
      for (Op op : ops) {
        String[] answers = step(op, oracle, ours, clock);
        Seen expected = Seen.of(answers[0], oracle);
        Seen actual = Seen.of(answers[1], ours);
        SharedView v = ours.view();
        trace.add(op + " -> " + actual + " | shared " + v.state() + " v" + v.version() + " holder=" + v.holder()
            + (ours.isSettled() ? "" : " (unsettled)"));
        String context = prefix + " " + shape + "\n  " + String.join("\n  ", trace);
        assertThat(actual).as("state and metrics after\n  %s", context).isEqualTo(expected);
        assertThat(String.join("\n", events)).as("events after\n  %s", context)
            .isEqualTo(String.join("\n", expectedEvents));
      }
    }
  }
}
