package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FallbackResultTest {

  private final IOException down = new IOException("calcom down");

  @Test
  void primaryIsFreshAndCarriesNoCause() {
    FallbackResult<String> result = FallbackResult.primary("slots");

    assertThat(result.tier()).isEqualTo(Tier.PRIMARY);
    assertThat(result.value()).contains("slots");
    assertThat(result.cause()).isEmpty();
    assertThat(result.isDegraded()).isFalse();
  }

  @Test
  void staleAnswerSaysHowOldAndWhy() {
    FallbackResult<String> result = FallbackResult.stale("slots", Duration.ofSeconds(42), true, down, "May be out of date.");

    assertThat(result.tier()).isEqualTo(Tier.STALE_CACHE);
    assertThat(result.value()).contains("slots");
    assertThat(result.staleness()).isEqualTo(Duration.ofSeconds(42));
    assertThat(result.cause()).contains(down);
    assertThat(result.fromFleet()).isTrue();
    assertThat(result.message()).isEqualTo("May be out of date.");
    assertThat(result.isDegraded()).isTrue();
    assertThat(result).hasToString("FallbackResult[STALE_CACHE, value=slots, staleness=PT42S (fleet),"
        + " cause=java.io.IOException: calcom down, message=May be out of date.]");
  }

  @Test
  void tiersWithoutAValueCarryTheUserMessage() {
    FallbackResult<String> queued = FallbackResult.queued(down, "Your booking will be confirmed shortly");

    assertThat(queued.tier()).isEqualTo(Tier.QUEUED);
    assertThat(queued.value()).isEmpty();
    assertThat(queued.message()).isEqualTo("Your booking will be confirmed shortly");
    assertThat(FallbackResult.failed(down, "x").tier()).isEqualTo(Tier.FAILED);
    assertThat(FallbackResult.manualReview(down, "x").tier()).isEqualTo(Tier.MANUAL_REVIEW);
  }

  /** The store's failure has a field of its own: CallNotPermittedException takes no suppressed exception. */
  @Test
  void aWriteNotKeptCarriesTheStoreFailure() {
    FallbackStoreException store = new FallbackStoreException("Redis down", new IOException("refused"));
    FallbackResult<Void> result = FallbackResult.notKept(down, store, "Not saved.");

    assertThat(result.tier()).isEqualTo(Tier.FAILED);
    assertThat(result.storeFailure()).containsSame(store);
    assertThat(result.cause()).containsSame(down);
    assertThat(FallbackResult.failed(down, "x").storeFailure()).isEmpty();
    assertThat(result.withNotice("Degraded.").notice()).isEqualTo("Degraded.");
    assertThat(result.withNotice("Degraded.").storeFailure()).containsSame(store);
  }

  @Test
  void primaryWithoutValueIsAWriteThatSucceeded() {
    FallbackResult<Void> done = FallbackResult.primary(null);

    assertThat(done.tier()).isEqualTo(Tier.PRIMARY);
    assertThat(done.value()).isEmpty();
    assertThat(done.isDegraded()).isFalse();
  }

  @Test
  void rejectsMissingPartsAndNegativeStaleness() {
    assertThatThrownBy(() -> FallbackResult.stale("v", Duration.ofMillis(-1), false, down, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("staleness must not be negative, was PT-0.001S");
    assertThatThrownBy(() -> FallbackResult.stale(null, Duration.ZERO, false, down, "m")).hasMessage("value");
    assertThatThrownBy(() -> FallbackResult.notKept(down, null, "m")).hasMessage("storeFailure");
    assertThatThrownBy(() -> FallbackResult.queued(null, "m")).hasMessage("cause");
  }
}
