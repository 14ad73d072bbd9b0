package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.internal.SharedView.Flag;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnFailureRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSlowCallRateExceededEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** The rate-exceeded events, published when Resilience4j publishes them. */
class ThresholdEventsTest {

  private static final CircuitBreakerConfig CONFIG = CircuitBreakerConfig.custom().slidingWindowSize(10)
      .minimumNumberOfCalls(10).failureRateThreshold(50).slowCallRateThreshold(50)
      .slowCallDurationThreshold(Duration.ofSeconds(1)).build();

  private final AtomicReference<State> effective = new AtomicReference<>(State.METRICS_ONLY);
  private final BreakerEvents events = new BreakerEvents(effective::get);
  private final ThresholdEvents thresholds = new ThresholdEvents("calcom", CONFIG, events, new ReentrantLock(),
      effective::get);
  private final List<String> published = new CopyOnWriteArrayList<>();

  ThresholdEventsTest() {
    events.onFailureRateExceeded(e -> published.add(describe(e, e.getFailureRate())));
    events.onSlowCallRateExceeded(e -> published.add(describe(e, e.getSlowCallRate())));
  }

  @Test
  void theLocalWindowThatOpenedTellsWhichRatesWereExceeded() {
    assertThat(thresholds.localOpened(window(6, 0))).isTrue();
    assertThat(published).containsExactly("failure 60.0");

    published.clear();
    assertThat(thresholds.localOpened(window(1, 0))).as("opened for another reason (transitionOnResult)").isFalse();
    assertThat(published).isEmpty();
  }

  @Test
  void inMetricsOnlyEachExceededRateIsPublishedOncePerEpisode() {
    thresholds.metricsOnly(window(6, 6));
    thresholds.metricsOnly(window(7, 7));
    assertThat(published).containsExactly("failure 60.0", "slow 60.0");

    thresholds.newMetricsOnlyEpisode();
    thresholds.metricsOnly(fleet(100, 80, 10, Flag.FAILURE_RATE_EXCEEDED));
    assertThat(published).as("the fleet's rates, as Redis found them").endsWith("failure 80.0");

    thresholds.newMetricsOnlyEpisode();
    effective.set(State.CLOSED);
    thresholds.metricsOnly(window(6, 6));
    assertThat(published).as("no longer METRICS_ONLY").hasSize(3);
  }

  @Test
  void aFlushThatOpenedTheFleetPublishesTheFleetsRates() {
    thresholds.fleetOpened(fleet(40, 10, 24, Flag.SLOW_RATE_EXCEEDED, Flag.OPENED));
    assertThat(published).containsExactly("slow 60.0");
  }

  private static String describe(CircuitBreakerEvent event, float rate) {
    String kind = event instanceof CircuitBreakerOnFailureRateExceededEvent ? "failure"
        : event instanceof CircuitBreakerOnSlowCallRateExceededEvent ? "slow" : "?";
    return kind + " " + rate;
  }

  /** A Resilience4j window of 10 calls, {@code failures} failed and {@code slow} slow. */
  private static CircuitBreaker.Metrics window(int failures, int slow) {
    CircuitBreaker breaker = CircuitBreaker.of("window", CircuitBreakerConfig.from(CONFIG).failureRateThreshold(100)
        .slowCallRateThreshold(100).build());
    for (int i = 0; i < 10; i++) {
      long nanos = i < slow ? TimeUnit.SECONDS.toNanos(2) : 1;
      if (i < failures) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, new IOException("down"));
      } else {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
      }
    }
    return breaker.getMetrics();
  }

  private static SharedView fleet(long calls, long failures, long slowCalls, Flag... flags) {
    return new SharedView(SharedView.Status.OK, State.METRICS_ONLY, 5, State.CLOSED, 0, 0, 0, "", 0, 0, 0, calls,
        failures, slowCalls, 0, 3, 1, "", Set.of(flags), "", "", true);
  }
}
