package io.github.r4jredis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;

@RedisTest
class RedisServerIT {

  private static final Duration SHORT = Duration.ofMillis(300);

  @Test
  void shouldServeTheSharedServerToEveryTest(RedisServer first, RedisServer second) {
    assertThat(first).isSameAs(second);
    assertThat(first.isAlive()).isTrue();
    RedissonClient client = RedisClients.connect(first, Duration.ofSeconds(2));
    try {
      // The server answers reads and writes: a key written is counted (>= 0 could not fail).
      String key = "shared-server-check-" + System.nanoTime();
      client.getBucket(key, org.redisson.client.codec.StringCodec.INSTANCE).set("1");
      assertThat(client.getKeys().count()).isGreaterThanOrEqualTo(1);
      client.getKeys().delete(key);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void shouldGiveEachTestItsOwnKeyPrefix(@KeyPrefix String a, @KeyPrefix String b) {
    assertThat(a).matches("t-shouldgiveeachtestitsownkeypre-[0-9a-f]{6}").isNotEqualTo(b);
  }

  @Test
  void shouldStartSeveralDedicatedServers(
      @Dedicated RedisServer a, @Dedicated RedisServer b, RedisServer shared) {
    assertThat(a.isManaged()).isTrue();
    assertThat(a.port()).isNotEqualTo(b.port()).isNotEqualTo(shared.port()).isNotEqualTo(6379);
    assertThat(b.port()).isNotEqualTo(shared.port());
  }

  @Test
  void killedServerRefusesConnections(@Dedicated RedisServer redis) {
    redis.kill();

    assertThat(redis.isAlive()).isFalse();
    assertThatThrownBy(() -> connectSocket(redis)).isInstanceOf(ConnectException.class);
    assertThatThrownBy(redis::kill)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is STOPPED");
  }

  @Test
  void pausedServerTimesOutAndRecoversOnResume(@Dedicated RedisServer redis) {
    RedissonClient client = RedisClients.connect(redis, SHORT);
    try {
      RBucket<String> bucket = client.getBucket("paused", StringCodec.INSTANCE);
      bucket.set("before");

      redis.pause();

      assertThat(redis.isPaused()).isTrue();
      assertThat(redis.isAlive()).isTrue();
      assertThatThrownBy(bucket::get).isInstanceOf(RedisException.class);

      redis.resume();

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .untilAsserted(() -> assertThat(bucket.get()).isEqualTo("before"));
    } finally {
      client.shutdown();
    }
  }

  @Test
  void restartedServerAnswersOnTheSamePortAndComesBackEmptyWithoutAof(@Dedicated RedisServer redis)
      throws IOException {
    int port = redis.port();
    RedissonClient client = RedisClients.connect(redis, Duration.ofSeconds(2));
    try {
      client.getBucket("k", StringCodec.INSTANCE).set("v");
      redis.kill();

      redis.restart();

      assertThat(redis.port()).isEqualTo(port);
      connectSocket(redis);
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .untilAsserted(() -> assertThat(client.getBucket("k", StringCodec.INSTANCE).isExists()).isFalse());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void appendOnlyServerKeepsAcknowledgedWritesAcrossKill(@Dedicated(appendOnly = true) RedisServer redis) {
    RedissonClient client = RedisClients.connect(redis, Duration.ofSeconds(2));
    try {
      client.getBucket("durable", StringCodec.INSTANCE).set("yes");

      redis.kill();
      redis.restart();

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .untilAsserted(() -> assertThat(client.<String>getBucket("durable", StringCodec.INSTANCE).get()).isEqualTo("yes"));

      redis.restartEmpty();

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .untilAsserted(() -> assertThat(client.getBucket("durable", StringCodec.INSTANCE).isExists()).isFalse());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void restartResumesAPausedServer(@Dedicated RedisServer redis) throws IOException {
    redis.pause();

    redis.restart();

    assertThat(redis.isPaused()).isFalse();
    connectSocket(redis);
  }

  @Test
  void closedServerRefusesControlAndCloseIsIdempotent() {
    RedisServer redis = RedisServer.start();
    redis.close();
    redis.close();

    assertThat(redis.isAlive()).isFalse();
    assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("CLOSED");
  }

  @Test
  void passwordProtectedServerRequiresThePassword() {
    try (RedisServer redis = RedisServer.builder().password("s3cret").start()) {
      assertThat(redis.password()).isEqualTo("s3cret");
      RedissonClient client = RedisClients.connect(redis, Duration.ofSeconds(2));
      try {
        client.getBucket("x", StringCodec.INSTANCE).set("1");
        assertThat(client.getBucket("x", StringCodec.INSTANCE).get()).isEqualTo("1");
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void extraArgumentsReachTheServer() {
    try (RedisServer redis = RedisServer.builder().argument("maxmemory", "7mb").start()) {
      RedissonClient client = RedisClients.connect(redis, Duration.ofSeconds(2));
      try {
        assertThat(client.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance()
            .getConfig("maxmemory")).containsEntry("maxmemory", Long.toString(7 * 1024 * 1024));
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void aServerCanRunOnAWallClockThatIsOffAndKeepsItAcrossRestarts() {
    org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.canShiftClocks(), "needs Linux and a C compiler (cc)");
    try (RedisServer ahead = RedisServer.builder().clockOffset(Duration.ofSeconds(30)).start();
        RedisServer behind = RedisServer.builder().clockOffset(Duration.ofSeconds(-30)).start()) {
      assertThat(offsetMillis(ahead)).isBetween(29_000L, 31_000L);
      assertThat(offsetMillis(behind)).isBetween(-31_000L, -29_000L);
      ahead.restart();
      assertThat(offsetMillis(ahead)).isBetween(29_000L, 31_000L);
    }
  }

  /** The server's TIME minus this JVM's wall clock, in milliseconds. */
  private static long offsetMillis(RedisServer redis) {
    RedissonClient client = RedisClients.connect(redis, Duration.ofSeconds(2));
    try {
      org.redisson.client.protocol.Time time =
          client.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance().time();
      return time.getSeconds() * 1000L + time.getMicroseconds() / 1000 - System.currentTimeMillis();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void redisUrlNamesASharedServerThatTheKitNeverControls(@Dedicated RedisServer real) {
    System.setProperty(RedisServer.REDIS_URL, real.address());
    try {
      RedisServer external = RedisServer.fromEnvironment();
      assertThat(external.isManaged()).isFalse();
      assertThat(external.port()).isEqualTo(real.port());
      assertThatThrownBy(external::kill).isInstanceOf(UnsupportedOperationException.class);
      external.close();
      assertThat(real.isAlive()).isTrue();
    } finally {
      System.clearProperty(RedisServer.REDIS_URL);
    }
  }

  @Test
  void askingForTestcontainersWithoutADockerEngineFallsBackToAProcess() {
    System.setProperty(RedisServer.TESTCONTAINERS_PROPERTY, "true");
    try (RedisServer redis = RedisServer.start()) {
      assertThat(redis.isManaged()).isTrue();
      assertThat(redis.toString()).startsWith("redis@127.0.0.1:");
    } finally {
      System.clearProperty(RedisServer.TESTCONTAINERS_PROPERTY);
    }
  }

  private static void connectSocket(RedisServer redis) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(redis.host(), redis.port()), 1000);
    }
  }
}
