package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.RedisServer;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** The fleet's clock, on a Redis whose clock is an hour behind this JVM's. */
class RedisClockIT {

  private static final Duration HOUR = Duration.ofHours(1);

  @BeforeAll
  static void needsShiftedClocks() {
    Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
  }

  @Test
  void isRedisTimeOnceRedisAnsweredInEveryZone() {
    try (RedisServer behind = RedisServer.builder().clockOffset(HOUR.negated()).start()) {
      RedissonClient client = behind.newRedisson();
      try {
        RedisClock clock = RedisClock.of(client);
        await().atMost(Duration.ofSeconds(10)).until(clock::isSynchronized);

        long redis = behind.timeMillis();
        assertThat(clock.millis()).isBetween(redis - 1_000, redis + 1_000);
        assertThat(System.currentTimeMillis() - clock.millis()).isGreaterThan(HOUR.minusMinutes(1).toMillis());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
        RedisClock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(paris.isSynchronized()).as("one reading for both").isTrue();
        assertThat(paris.instant().toEpochMilli()).isBetween(redis - 1_000, behind.timeMillis() + 1_000);
        assertThat(paris).isNotEqualTo(clock).isEqualTo(clock.withZone(ZoneId.of("Europe/Paris")));
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void goesOnFromItsLastReadingWhileRedisIsDownIsTheSystemClockBeforeTheFirstAndAsksAgain() {
    try (RedisServer behind = RedisServer.builder().clockOffset(HOUR.negated()).start()) {
      RedissonClient client = behind.newRedisson();
      try {
        RedisClock clock = RedisClock.of(client);
        await().atMost(Duration.ofSeconds(10)).until(clock::isSynchronized);
        behind.kill();

        long first = clock.millis(); // never waits, never throws
        long second = clock.millis();
        assertThat(second).isGreaterThanOrEqualTo(first);
        assertThat(System.currentTimeMillis() - second).isGreaterThan(HOUR.minusMinutes(1).toMillis());

        RedisClock unanswered = RedisClock.of(client);
        assertThat(unanswered.isSynchronized()).isFalse();
        assertThat(unanswered.millis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(1_000L));
        assertThat(unanswered.toString()).contains("not synchronized");

        // It stays the system clock while Redis is down, long enough for its first request to fail
        // (the test client's 1 s timeout, one retry); then asking whether it is synchronized asks
        // Redis again (a stale cache waits for this before it shares anything).
        await().during(Duration.ofMillis(3_500)).atMost(Duration.ofSeconds(6)).until(() -> !unanswered.isSynchronized());
        behind.restart();
        await().atMost(Duration.ofSeconds(20)).until(unanswered::isSynchronized);
        assertThat(System.currentTimeMillis() - unanswered.millis()).isGreaterThan(HOUR.minusMinutes(1).toMillis());
      } finally {
        client.shutdown();
      }
    }
  }
}
