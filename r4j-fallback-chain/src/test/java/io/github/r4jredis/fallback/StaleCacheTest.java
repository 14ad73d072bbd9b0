package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The node-local half of the cache; the fleet-shared half is in {@code StaleCacheIT}. */
class StaleCacheTest {

  private final MutableClock clock = new MutableClock();

  private StaleCache<String> cache(long size) {
    return StaleCache.<String>builder("slots").maximumSize(size).maxStaleness(Duration.ofMinutes(10)).clock(clock)
        .build();
  }

  @Test
  void servesTheLastGoodValueWithItsAge() {
    StaleCache<String> cache = cache(100);
    cache.put("monday", "09:00,10:00");
    clock.advance(Duration.ofSeconds(42));

    StaleCache.Stale<String> stale = cache.get("monday").orElseThrow();
    assertThat(stale.value()).isEqualTo("09:00,10:00");
    assertThat(stale.age()).isEqualTo(Duration.ofSeconds(42));
    assertThat(stale.fromFleet()).isFalse();
    assertThat(cache.get("tuesday")).isEmpty();
  }

  @Test
  void aNewerValueReplacesTheOlderAndRestartsItsAge() {
    StaleCache<String> cache = cache(100);
    cache.put("monday", "old");
    clock.advance(Duration.ofMinutes(9));
    cache.put("monday", "new");
    clock.advance(Duration.ofMinutes(5));

    assertThat(cache.get("monday").orElseThrow().value()).isEqualTo("new");
    assertThat(cache.get("monday").orElseThrow().age()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void neverServesAValueOlderThanTheMaxStaleness() {
    StaleCache<String> cache = cache(100);
    cache.put("monday", "09:00");
    clock.advance(Duration.ofMinutes(10));
    assertThat(cache.get("monday")).isPresent();

    clock.advance(Duration.ofMillis(1));
    assertThat(cache.get("monday")).isEmpty();
  }

  @Test
  void isBounded() {
    StaleCache<String> cache = cache(10);
    for (int i = 0; i < 1000; i++) {
      cache.put("key-" + i, "value");
    }

    // Caffeine evicts on its maintenance thread, soon after.
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.localSize() <= 10);
  }

  @Test
  void invalidateForgets() {
    StaleCache<String> cache = cache(10);
    cache.put("monday", "09:00");
    cache.invalidate("monday");

    assertThat(cache.get("monday")).isEmpty();
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> StaleCache.builder("slots").maximumSize(0))
        .hasMessage("maximumSize must be at least 1, was 0");
    assertThatThrownBy(() -> StaleCache.builder("slots").maxStaleness(Duration.ZERO))
        .hasMessage("maxStaleness must be at least 1 ms, was PT0S");
    assertThatThrownBy(() -> StaleCache.builder("slots").sharedWriteInterval(Duration.ofSeconds(-1)))
        .hasMessage("sharedWriteInterval must not be negative, was PT-1S");
    assertThatThrownBy(() -> StaleCache.builder("a b"))
        .hasMessage("name must be 1-64 of [A-Za-z0-9._:@-], was 'a b'");
    // A prefix follows the breakers' rule, so every module's keys can share it.
    assertThatThrownBy(() -> StaleCache.builder("slots").keyPrefix("a:b"))
        .hasMessage("keyPrefix must be 1-64 of [A-Za-z0-9._-], was 'a:b'");
    assertThatThrownBy(() -> cache(1).put("k", null)).isInstanceOf(NullPointerException.class).hasMessage("value");
  }
}
