package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.testkit.MutableClock;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The chain's decisions without Redis; with Redis and a shared breaker in {@code FallbackChainIT}. */
class FallbackChainTest {

  private final MutableClock clock = new MutableClock();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("calcom");
  private final StaleCache<String> cache = StaleCache.<String>builder("slots").clock(clock).build();

  private FallbackChain<String> chain() {
    return FallbackChain.<String>builder("slots").circuitBreaker(breaker).staleCache(cache).meterRegistry(meters)
        .fallbackOn(e -> !(e instanceof IllegalArgumentException)).build();
  }

  private double answers(String tier) {
    return meters.get("r4jredis.fallback.answers").tag("chain", "slots").tag("tier", tier).counter().count();
  }

  @Test
  void aFreshAnswerIsRememberedAndServedStaleWhenThePrimaryFails() {
    FallbackChain<String> chain = chain();
    assertThat(chain.read("monday", () -> "09:00").tier()).isEqualTo(Tier.PRIMARY);
    clock.advance(Duration.ofSeconds(30));

    FallbackResult<String> stale = chain.read("monday", () -> {
      throw new IOException("connection refused");
    });

    assertThat(stale.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(stale.value()).contains("09:00");
    assertThat(stale.staleness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(stale.cause()).get().isInstanceOf(IOException.class);
    assertThat(answers("primary")).isEqualTo(1);
    assertThat(answers("stale_cache")).isEqualTo(1);
    assertThat(chain.answers()).isEqualTo(java.util.Map.of(Tier.PRIMARY, 1L, Tier.STALE_CACHE, 1L,
        Tier.QUEUED, 0L, Tier.MANUAL_REVIEW, 0L, Tier.FAILED, 0L)); // the seed's getFallbackMetrics()
  }

  @Test
  void anOpenBreakerFallsBackWithoutCallingThePrimary() {
    FallbackChain<String> chain = chain();
    chain.read("monday", () -> "09:00");
    breaker.transitionToOpenState();
    AtomicInteger calls = new AtomicInteger();

    FallbackResult<String> result = chain.read("monday", () -> {
      calls.incrementAndGet();
      return "10:00";
    });

    assertThat(calls).hasValue(0);
    assertThat(result.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(result.cause()).get().isInstanceOf(CallNotPermittedException.class);
  }

  /**
   * The message says what happened to this request, whatever the application's level; the
   * degradation's band message goes with it as the notice. (At level 100 the band says "your
   * changes are kept": true of a queued write, false of a read with nothing cached.)
   */
  @Test
  void eachAnswerSaysWhatHappenedToItsRequestAndTheDegradationIsTheNotice() {
    Degradation degradation = Degradation.builder("app").dependency(breaker).meterRegistry(meters).build();
    FallbackChain<String> chain = FallbackChain.<String>builder("slots").circuitBreaker(breaker).staleCache(cache)
        .degradation(degradation).meterRegistry(meters).build();

    FallbackResult<String> fresh = chain.read("monday", () -> "09:00");
    assertThat(fresh.tier()).isEqualTo(Tier.PRIMARY);
    assertThat(fresh.message()).isEmpty();
    assertThat(fresh.notice()).isEqualTo(Degradation.Builder.DEFAULT_MESSAGES.get(0));

    breaker.transitionToOpenState(); // level 100
    String level100 = Degradation.Builder.DEFAULT_MESSAGES.get(100);
    FallbackResult<String> stale = chain.read("monday", () -> "x");
    assertThat(stale.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(stale.message()).isEqualTo(FallbackChain.Builder.DEFAULT_STALE_MESSAGE);
    assertThat(stale.fromFleet()).isFalse();
    assertThat(stale.notice()).isEqualTo(level100);

    FallbackResult<String> nothing = chain.read("friday", () -> "x");
    assertThat(nothing.tier()).isEqualTo(Tier.FAILED);
    assertThat(nothing.message()).isEqualTo(FallbackChain.Builder.DEFAULT_UNAVAILABLE_MESSAGE);
    assertThat(nothing.storeFailure()).isEmpty();
    assertThat(nothing.notice()).isEqualTo(level100);

    FallbackResult<Void> notKept = chain.write(Operation.of("create-booking", "b-1"), () -> null);
    assertThat(notKept.tier()).isEqualTo(Tier.FAILED);
    assertThat(notKept.message()).isEqualTo(FallbackChain.Builder.DEFAULT_NOT_KEPT_MESSAGE).doesNotContain("kept and");
    assertThat(notKept.notice()).isEqualTo(level100);
  }

  @Test
  void messagesCanBeTheApplicationsOwn() {
    FallbackChain<String> chain = FallbackChain.<String>builder("slots").circuitBreaker(breaker).staleCache(cache)
        .staleMessage("Slots as of a moment ago.").unavailableMessage("No slots to show.")
        .notKeptMessage("Booking failed; nothing was booked.").meterRegistry(meters).build();
    chain.read("monday", () -> "09:00");
    breaker.transitionToOpenState();

    assertThat(chain.read("monday", () -> "x").message()).isEqualTo("Slots as of a moment ago.");
    assertThat(chain.read("friday", () -> "x").message()).isEqualTo("No slots to show.");
    assertThat(chain.write(Operation.of("create-booking", "b-1"), () -> null).message())
        .isEqualTo("Booking failed; nothing was booked.");
    assertThat(chain.read("friday", () -> "x").notice()).as("no degradation, no notice").isEmpty();
  }

  @Test
  void failuresThatDoNotFallBackReachTheCaller() {
    FallbackChain<String> chain = chain();
    chain.read("monday", () -> "09:00");

    assertThatThrownBy(() -> chain.read("monday", () -> {
      throw new IllegalArgumentException("no such day");
    })).isInstanceOf(IllegalArgumentException.class).hasMessage("no such day");

    FallbackChain<String> strict = FallbackChain.<String>builder("strict").fallbackOn(e -> false)
        .meterRegistry(meters).build();
    assertThatThrownBy(() -> strict.read("monday", () -> {
      throw new IOException("checked");
    })).isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void aWriteWithoutAQueueFailsAndSaysSo() {
    FallbackChain<String> chain = chain();

    FallbackResult<Void> result = chain.write(Operation.of("create-booking", "b-1"), () -> {
      throw new IOException("down");
    });

    assertThat(result.tier()).isEqualTo(Tier.FAILED);
    assertThat(result.message()).isEqualTo(FallbackChain.Builder.DEFAULT_NOT_KEPT_MESSAGE);
  }

  @Test
  void aSuccessfulWriteAnswersFromThePrimary() {
    FallbackResult<String> result = chain().write(Operation.of("create-booking", "b-1"), () -> "booking-7");

    assertThat(result.tier()).isEqualTo(Tier.PRIMARY);
    assertThat(result.value()).contains("booking-7");
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> FallbackChain.builder("slots").unavailableMessage(" "))
        .hasMessage("unavailableMessage must not be blank");
    assertThatThrownBy(() -> FallbackChain.builder("slots").notKeptMessage(null)).hasMessage("notKeptMessage");
    assertThatThrownBy(() -> FallbackChain.builder("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chain().read(null, () -> "x")).hasMessage("key");
  }
}
