package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** The fleet-shared copies of the stale cache, against a real Redis. */
@RedisTest
class StaleCacheIT {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final List<RedissonClient> clients = new ArrayList<>();
  private final MutableClock clock = new MutableClock();

  @AfterEach
  void tearDown() {
    clients.forEach(RedissonClient::shutdown);
  }

  private StaleCache<String> node(RedisServer redis, String prefix) {
    RedissonClient client = redis.newRedisson();
    clients.add(client);
    return StaleCache.<String>builder("slots").keyPrefix(prefix).maxStaleness(Duration.ofMinutes(10)).clock(clock)
        .shared(client, PayloadCodec.text()).build();
  }

  private static String stored(RedisServer redis, String key) {
    RedissonClient client = redis.newRedisson();
    try {
      return client.<String>getBucket(key, StringCodec.INSTANCE).get();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aNodeThatNeverSawAValueServesTheFleets(RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    StaleCache<String> b = node(redis, prefix);
    a.put("monday", "09:00,10:00");
    await().atMost(AWAIT).until(() -> stored(redis, prefix + ":fb:cache:slots:monday") != null);
    clock.advance(Duration.ofSeconds(20));

    StaleCache.Stale<String> stale = b.get("monday").orElseThrow();

    assertThat(stale.value()).isEqualTo("09:00,10:00");
    assertThat(stale.age()).isEqualTo(Duration.ofSeconds(20));
    assertThat(stale.fromFleet()).isTrue();
    assertThat(b.get("monday").orElseThrow().fromFleet()).as("now held locally").isFalse();
    assertThat(b.get("tuesday")).isEmpty();
  }

  /** Regression: a node served its own older copy while the fleet held a newer one. */
  @Test
  void aNodeServesTheFleetsCopyWhenItIsNewerThanItsOwn(RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    StaleCache<String> b = node(redis, prefix);
    a.put("monday", "09:00");
    clock.advance(Duration.ofSeconds(30));
    long newer = clock.millis();
    b.put("monday", "09:00,11:00");
    await().atMost(AWAIT).until(() -> (newer + "|09:00,11:00").equals(stored(redis, prefix + ":fb:cache:slots:monday")));
    clock.advance(Duration.ofSeconds(5));

    StaleCache.Stale<String> stale = a.get("monday").orElseThrow();

    assertThat(stale.value()).isEqualTo("09:00,11:00");
    assertThat(stale.age()).isEqualTo(Duration.ofSeconds(5));
    assertThat(stale.fromFleet()).isTrue();
    assertThat(b.get("monday").orElseThrow().fromFleet()).as("b's own copy is the newest").isFalse();
  }

  @Test
  void anOlderValueNeverOverwritesANewerOne(RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    StaleCache<String> b = node(redis, prefix);
    String key = prefix + ":fb:cache:slots:monday";
    long newer = clock.millis();
    b.put("monday", "new");
    await().atMost(AWAIT).until(() -> ("" + newer + "|new").equals(stored(redis, key)));

    clock.advance(Duration.ofMillis(-5000)); // a has an older reading arriving late
    a.put("monday", "old");
    clock.advance(Duration.ofMillis(5000));
    a.put("tuesday", "marker"); // writes are in order on one connection: once this lands, "old" was refused
    await().atMost(AWAIT).until(() -> stored(redis, prefix + ":fb:cache:slots:tuesday") != null);

    assertThat(stored(redis, key)).isEqualTo(newer + "|new");
  }

  @Test
  void aHotKeyIsWrittenToRedisAtMostOncePerInterval(RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    String key = prefix + ":fb:cache:slots:monday";
    long first = clock.millis();
    a.put("monday", "v1");
    await().atMost(AWAIT).until(() -> stored(redis, key) != null);
    clock.advance(Duration.ofMillis(500));
    a.put("monday", "v2"); // within the interval: this node only
    clock.advance(Duration.ofMillis(500));
    a.put("monday", "v3"); // a second after the last write: shared again

    await().atMost(AWAIT).until(() -> stored(redis, key).endsWith("|v3"));
    assertThat(stored(redis, key)).isEqualTo((first + 1000) + "|v3");
    assertThat(a.get("monday").orElseThrow().value()).isEqualTo("v3");
  }

  @Test
  void anUnreadableSharedCopyIsIgnoredAndInvalidateRemovesIt(RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    RedissonClient client = clients.get(0);
    client.getBucket(prefix + ":fb:cache:slots:monday", StringCodec.INSTANCE).set("garbage");
    assertThat(a.get("monday")).isEmpty();

    a.put("tuesday", "09:00");
    await().atMost(AWAIT).until(() -> stored(redis, prefix + ":fb:cache:slots:tuesday") != null);
    a.invalidate("tuesday");
    await().atMost(AWAIT).until(() -> stored(redis, prefix + ":fb:cache:slots:tuesday") == null);
  }

  /**
   * The shared copies are on the fleet's clock, Redis TIME: on a Redis an hour behind this JVM, a
   * value is stamped an hour back, and a copy another node stamped 20 s ago by Redis is 20 s old
   * here, not an hour and 20 s.
   */
  @Test
  void sharedCopiesAreStampedAndAgedOnRedisTime(@KeyPrefix String prefix) {
    org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
    try (RedisServer behind = RedisServer.builder().clockOffset(Duration.ofHours(-1)).start()) {
      RedissonClient client = behind.newRedisson();
      clients.add(client);
      StaleCache<String> a = StaleCache.<String>builder("slots").keyPrefix(prefix).maxStaleness(Duration.ofMinutes(10))
          .sharedWriteInterval(Duration.ZERO).shared(client, PayloadCodec.text()).build(); // the system clock
      String monday = prefix + ":fb:cache:slots:monday";

      // Nothing is shared until Redis first told its time, a round trip after start.
      await().atMost(AWAIT).until(() -> {
        a.put("monday", "09:00");
        return stored(behind, monday) != null;
      });
      long stamp = Long.parseLong(stored(behind, monday).split("\\|")[0]);
      assertThat(stamp).isBetween(behind.timeMillis() - 5_000, behind.timeMillis());

      client.getBucket(prefix + ":fb:cache:slots:tuesday", StringCodec.INSTANCE)
          .set((behind.timeMillis() - 20_000) + "|10:00"); // another node, 20 s ago by Redis
      StaleCache<String> b = StaleCache.<String>builder("slots").keyPrefix(prefix).maxStaleness(Duration.ofMinutes(10))
          .shared(client, PayloadCodec.text()).build();
      await().atMost(AWAIT).until(() -> b.get("tuesday").isPresent());
      assertThat(b.get("tuesday").orElseThrow().age()).isBetween(Duration.ofSeconds(19), Duration.ofSeconds(30));
    }
  }

  @Tag("fault")
  @Test
  void withRedisDeadTheCacheServesThisNodesValuesWithoutThrowingOrWaiting(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    StaleCache<String> a = node(redis, prefix);
    a.put("monday", "09:00");
    redis.kill();

    a.put("tuesday", "10:00"); // dropped on the way to Redis, kept here
    assertThat(a.get("monday").orElseThrow().value()).isEqualTo("09:00");
    assertThat(a.get("tuesday").orElseThrow().value()).isEqualTo("10:00");
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertThat(a.get("unknown-" + i)).isEmpty();
    }
    // One read waits for its timeout; then reads skip Redis for a second. No timing assertion:
    // the figure goes to the output for the reader.
    System.out.printf("100 misses with Redis dead: %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }
}
