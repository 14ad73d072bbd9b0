package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.fallback.Degradation.Availability;
import io.github.r4jredis.fallback.Degradation.Feature;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DegradationTest {

  private final CircuitBreaker calcom = CircuitBreaker.ofDefaults("calcom");
  private final CircuitBreaker search = CircuitBreaker.ofDefaults("search");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private Degradation degradation() {
    return Degradation.builder("booking-app")
        .dependency(calcom, 3)
        .dependency(search, 1)
        .feature(Feature.named("list-appointments").requires("calcom").worksDegraded())
        .feature(Feature.named("recommend").requires("calcom", "search"))
        .feature(Feature.named("help-page"))
        .meterRegistry(meters)
        .build();
  }

  @Test
  void levelIsTheWeightedMeanOfTheBreakerStates() {
    Degradation degradation = degradation();
    assertThat(degradation.level()).isZero();

    search.transitionToOpenState();
    assertThat(degradation.level()).isEqualTo(25); // 1 x 100 of 4

    calcom.transitionToOpenState();
    calcom.transitionToHalfOpenState();
    assertThat(degradation.level()).isEqualTo(63); // (3 x 50 + 100) / 4 = 62.5

    calcom.transitionToForcedOpenState();
    assertThat(degradation.level()).isEqualTo(100);

    calcom.transitionToDisabledState();
    search.transitionToMetricsOnlyState();
    assertThat(degradation.level()).isZero();
  }

  @Test
  void theGaugeReadsTheLiveLevel() {
    Degradation degradation = degradation();
    search.transitionToOpenState();

    assertThat(meters.get("r4jredis.fallback.degradation.level").tag("degradation", "booking-app").gauge().value())
        .isEqualTo(25);
    assertThat(degradation.toString()).isEqualTo("Degradation[booking-app, level=25]");
  }

  @Test
  void messagesFollowTheBands() {
    Degradation degradation = Degradation.builder("app").dependency(calcom)
        .message(0, "fine").message(40, "slow").message(100, "down")
        .meterRegistry(meters).build();

    assertThat(degradation.message()).isEqualTo("fine");
    assertThat(degradation.message(39)).isEqualTo("fine");
    assertThat(degradation.message(40)).isEqualTo("slow");
    calcom.transitionToOpenState();
    assertThat(degradation.message()).isEqualTo("down");
    assertThatThrownBy(() -> degradation.message(101)).hasMessage("level must be in [0,100], was 101");
  }

  /** Regression: at level 38 a feature was unavailable while the message said "slightly out of date". */
  @Test
  void theMessageNeverSaysLessThanTheFeatures() {
    CircuitBreaker payments = CircuitBreaker.ofDefaults("payments");
    Degradation degradation = Degradation.builder("app").dependency(calcom, 5).dependency(payments, 3)
        .feature(Feature.named("pay").requires("payments"))
        .meterRegistry(meters).build();
    payments.transitionToOpenState();

    assertThat(degradation.level()).isEqualTo(38); // 3 x 100 of 8
    assertThat(degradation.isFeatureAvailable("pay")).isFalse();
    assertThat(degradation.message()).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(50));
    assertThat(degradation.message(38)).as("the band itself is unchanged").isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(1));
  }

  @Test
  void defaultMessagesCoverEveryLevel() {
    Degradation degradation = Degradation.builder("app").dependency(calcom).meterRegistry(meters).build();

    assertThat(degradation.message(0)).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(0));
    assertThat(degradation.message(30)).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(1));
    assertThat(degradation.message(99)).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(50));
    assertThat(degradation.message(100)).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(100));
  }

  @Test
  void featuresAnswerFromTheLiveBreakerStates() {
    Degradation degradation = degradation();
    assertThat(degradation.features()).containsExactly(Map.entry("help-page", Availability.AVAILABLE),
        Map.entry("list-appointments", Availability.AVAILABLE), Map.entry("recommend", Availability.AVAILABLE));

    search.transitionToOpenState();
    assertThat(degradation.availability("recommend")).isEqualTo(Availability.UNAVAILABLE);
    assertThat(degradation.isFeatureAvailable("recommend")).isFalse();
    assertThat(degradation.availability("list-appointments")).isEqualTo(Availability.AVAILABLE);

    calcom.transitionToOpenState();
    calcom.transitionToHalfOpenState(); // a few trial calls are not enough to rely on
    assertThat(degradation.availability("list-appointments")).isEqualTo(Availability.DEGRADED);
    assertThat(degradation.isFeatureAvailable("list-appointments")).isTrue();
    assertThat(degradation.isFeatureAvailable("help-page")).isTrue();

    calcom.transitionToClosedState();
    search.transitionToClosedState();
    assertThat(degradation.isFeatureAvailable("recommend")).isTrue();
  }

  @Test
  void withoutDependenciesNothingIsDegraded() {
    assertThat(Degradation.builder("empty").meterRegistry(meters).build().level()).isZero();
  }

  @Test
  void rejectsUnknownFeaturesAndMisconfiguration() {
    Degradation degradation = degradation();
    assertThatThrownBy(() -> degradation.availability("chat"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no feature 'chat'; declared: ");

    assertThatThrownBy(() -> Degradation.builder("app").dependency(calcom)
        .feature(Feature.named("recommend").requires("search")).meterRegistry(meters).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("feature 'recommend' requires 'search', which is not a declared dependency [calcom]");
    assertThatThrownBy(() -> Degradation.builder("app").message(10, "x").build())
        .hasMessage("the messages need a band from level 0, have [10]");
    assertThatThrownBy(() -> Degradation.builder("app").dependency(calcom).dependency(calcom))
        .hasMessage("dependency 'calcom' declared twice");
    assertThatThrownBy(() -> Degradation.builder("app").dependency(calcom, 0))
        .hasMessage("weight must be positive and finite, was 0.0");
    assertThatThrownBy(() -> Degradation.builder("app").feature(Feature.named("a")).feature(Feature.named("a")))
        .hasMessage("feature 'a' declared twice");
    assertThatThrownBy(() -> Feature.named(" ")).hasMessage("feature name must not be blank");
    assertThatThrownBy(() -> Degradation.builder("bad name")).isInstanceOf(IllegalArgumentException.class);
  }
}
