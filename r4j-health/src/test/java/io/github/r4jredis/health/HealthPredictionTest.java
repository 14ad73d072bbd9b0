package io.github.r4jredis.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.github.r4jredis.health.HealthPrediction.RecurringPattern;
import io.github.r4jredis.health.HealthPrediction.Status;
import io.github.r4jredis.health.HealthStatistics.Trend;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Predictions on generated histories whose answers are known. */
class HealthPredictionTest {

  private static final ZoneId UTC = ZoneOffset.UTC;

  private static Instant end(List<ProbeResult> history) {
    return history.get(history.size() - 1).at().plus(Histories.STEP);
  }

  @Test
  void aLinearlyDegradingLatencyIsFoundWithItsSlopeAndProjected() {
    // 100 ms rising by 10 ms per hour for a day, no failure.
    List<ProbeResult> history = Histories.generate(Duration.ofDays(1),
        (i, at) -> 100 + 10 * Histories.hoursSinceStart(at));

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(6), UTC);

    assertThat(prediction.latencySlopeMillisPerHour()).isCloseTo(10, offset(0.01));
    assertThat(prediction.latencyFit()).isCloseTo(1, offset(0.001));
    assertThat(prediction.projectedLatency().toMillis()).isCloseTo(400, offset(1L)); // 100 + 10 x 30 h
    assertThat(prediction.status()).isEqualTo(Status.DEGRADED); // more than twice the older half's ~160 ms
    assertThat(prediction.confidence()).isCloseTo(1, offset(0.01));
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Latency rises by 10.0 ms per hour"));
    assertThat(HealthStatistics.of(history).trend()).isEqualTo(Trend.DEGRADING);
  }

  @Test
  void aRecoveringServiceIsPredictedHealthyAndSaidToRecover() {
    // Half the checks fail at midnight, none from 22:00: the failure rate falls through the day.
    List<ProbeResult> history = Histories.generate(Duration.ofDays(1), (i, at) -> {
      double hour = Histories.hoursSinceStart(at);
      return i % 10 < Math.round(5 * (1 - hour / 24)) ? -1 : 80;
    });

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.failureRateSlopePerHour()).isNegative();
    assertThat(prediction.projectedFailureRate()).isLessThan(0.1);
    assertThat(prediction.status()).isEqualTo(Status.HEALTHY);
    assertThat(prediction.patterns()).isEmpty();
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Recovering"));
    assertThat(HealthStatistics.of(history).trend()).isEqualTo(Trend.IMPROVING);
  }

  @Test
  void risingFailuresArePredictedUnhealthy() {
    // No failures at midnight, every check fails from 20:00.
    List<ProbeResult> history = Histories.generate(Duration.ofDays(1),
        (i, at) -> i % 12 < Math.round(12 * Histories.hoursSinceStart(at) / 20) ? -1 : 80);

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.failureRateSlopePerHour()).isPositive();
    assertThat(prediction.status()).isEqualTo(Status.UNHEALTHY);
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Down now: the last"));
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Failure rate rising"));
  }

  @Test
  void failuresAtTheSameHourEveryDayAreAPatternThatIsPredictedBeforeItComes() {
    // A week at 50 ms, failing every day from 14:00 to 15:00 UTC.
    List<ProbeResult> history = Histories.generate(Duration.ofDays(7),
        (i, at) -> at.atZone(UTC).getHour() == 14 ? -1 : 50);
    Instant nextDay = Histories.START.plus(Duration.ofDays(7));

    HealthPrediction before = HealthPrediction.predict(history, nextDay.plus(Duration.ofMinutes(13 * 60 + 30)),
        Duration.ofHours(1), UTC);
    HealthPrediction morning = HealthPrediction.predict(history, nextDay.plus(Duration.ofHours(9)),
        Duration.ofHours(1), UTC);

    assertThat(before.patterns()).containsExactly(new RecurringPattern(14, UTC, 1.0, 7, 7));
    assertThat(before.status()).isEqualTo(Status.UNHEALTHY);
    assertThat(before.confidence()).isCloseTo(1, offset(0.01));
    assertThat(before.recommendations()).anySatisfy(r -> assertThat(r)
        .startsWith("Failures recur between 14:00 and 15:00 (Z) on 7 of 7 days, 100% of checks then, and the next "
            + "one is within 1 h"));
    assertThat(morning.status()).isEqualTo(Status.HEALTHY);
    assertThat(morning.patterns()).hasSize(1);
  }

  @Test
  void patternsAreReadInTheGivenZone() {
    List<ProbeResult> history = Histories.generate(Duration.ofDays(3),
        (i, at) -> at.atZone(UTC).getHour() == 14 ? -1 : 50);

    HealthPrediction paris = HealthPrediction.predict(history, end(history), Duration.ZERO, ZoneId.of("Europe/Paris"));

    assertThat(paris.patterns()).extracting(RecurringPattern::hourOfDay).containsExactly(15); // UTC+1 in November
  }

  @Test
  void scatteredFailuresAreNoPattern() {
    // One check in ten fails, at every hour alike.
    List<ProbeResult> history = Histories.generate(Duration.ofDays(7), (i, at) -> i % 10 == 0 ? -1 : 50);

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.patterns()).isEmpty();
    assertThat(prediction.failureRate()).isCloseTo(0.1, offset(0.06));
    assertThat(prediction.status()).isNotEqualTo(Status.UNHEALTHY);
  }

  @Test
  void aSteadyServiceNeedsNothing() {
    List<ProbeResult> history = Histories.generate(Duration.ofDays(1), (i, at) -> 50 + i % 7);

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.status()).isEqualTo(Status.HEALTHY);
    assertThat(prediction.confidence()).isEqualTo(1.0);
    assertThat(prediction.recommendations()).containsExactly("No action needed: healthy and stable.");
  }

  /**
   * Regression: from 13 s of checks whose last 8 passed, predict(1 h) answered UNHEALTHY, "about
   * 100 % in 1 h". The trend goes no further ahead than the history reaches back, and a passing
   * streak outweighs it.
   */
  @Test
  void aShortHistoryIsNotProjectedPastItsOwnSpan() {
    List<ProbeResult> history = Histories.generate(Duration.ofSeconds(13), Duration.ofSeconds(1),
        (i, at) -> i < 5 ? -1 : 40);
    Instant now = history.get(history.size() - 1).at().plusSeconds(1);

    HealthPrediction prediction = HealthPrediction.predict(history, now, Duration.ofHours(1), UTC);

    assertThat(prediction.samples()).isEqualTo(13);
    assertThat(prediction.supportedHorizon()).isEqualTo(Duration.ofSeconds(12));
    assertThat(prediction.status()).isNotEqualTo(Status.UNHEALTHY);
    assertThat(prediction.projectedFailureRate()).isLessThanOrEqualTo(prediction.failureRate());
    assertThat(prediction.confidence()).isLessThan(0.01); // 12 s of evidence for an hour
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r)
        .startsWith("The history covers 12 s: trends are projected 12 s ahead, not the 1 h asked"));
    assertThat(prediction.recommendations()).noneSatisfy(r -> assertThat(r).startsWith("Failure rate rising"));
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Recovering: the last 8 checks passed"));
  }

  /** Regression: 5 minutes after a 4 h history's outage ended, the prediction still said "rising". */
  @Test
  void aRecoveryAfterAnOutageIsNotARise() {
    // 4 h of checks every 30 s; calcom down from 3:00 to 3:55, the last 10 checks passed.
    List<ProbeResult> history = Histories.generate(Duration.ofHours(4), Duration.ofSeconds(30), (i, at) -> {
      double hour = Histories.hoursSinceStart(at);
      return hour >= 3 && hour < 3 + 55 / 60.0 ? -1 : 60;
    });
    Instant now = history.get(history.size() - 1).at().plusSeconds(30);

    HealthPrediction prediction = HealthPrediction.predict(history, now, Duration.ofHours(1), UTC);

    assertThat(prediction.failureRateSlopePerHour()).as("the line still rises").isPositive();
    assertThat(prediction.supportedHorizon()).isEqualTo(Duration.ofHours(1));
    assertThat(prediction.projectedFailureRate()).isLessThanOrEqualTo(prediction.failureRate());
    assertThat(prediction.status()).isNotEqualTo(Status.UNHEALTHY);
    assertThat(prediction.recommendations()).noneSatisfy(r -> assertThat(r).startsWith("Failure rate rising"));
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Recovering: the last 10 checks"));
  }

  /** The same outage, still going on: down now, and the line rises. */
  @Test
  void anOutageGoingOnIsDownNow() {
    List<ProbeResult> history = Histories.generate(Duration.ofHours(4), Duration.ofSeconds(30),
        (i, at) -> Histories.hoursSinceStart(at) >= 3 ? -1 : 60);

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.status()).isEqualTo(Status.UNHEALTHY);
    assertThat(prediction.recommendations()).anySatisfy(r -> assertThat(r).startsWith("Down now: the last 120 checks"));
  }

  @Test
  void littleHistoryRepeatsTheLastCheckWithLowConfidence() {
    List<ProbeResult> history = Histories.generate(Duration.ofMinutes(25), (i, at) -> i == 4 ? -1 : 50);

    HealthPrediction prediction = HealthPrediction.predict(history, end(history), Duration.ofHours(1), UTC);

    assertThat(prediction.samples()).isEqualTo(5);
    assertThat(prediction.status()).isEqualTo(Status.UNHEALTHY);
    assertThat(prediction.confidence()).isEqualTo(0.25);
    assertThat(prediction.recommendations()).singleElement().asString().startsWith("Too little history");
    assertThat(HealthPrediction.predict(List.of(), Instant.EPOCH, Duration.ZERO, UTC).status()).isEqualTo(Status.HEALTHY);
    assertThatThrownBy(() -> HealthPrediction.predict(history, Instant.EPOCH, Duration.ofHours(-1), UTC))
        .hasMessage("horizon must not be negative, was PT-1H");
  }
}
