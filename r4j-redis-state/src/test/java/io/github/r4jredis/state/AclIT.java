package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisClientConfig;
import org.redisson.client.RedisConnection;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisStrictCommand;
import org.slf4j.LoggerFactory;

/**
 * The library under a Redis ACL user that may touch only its prefix's keys and channels
 * (docs/reliability.md gives the line), and never a password in a log line, an exception or a
 * {@code toString()}.
 */
@Tag("fault")
@RedisTest
class AclIT {

  private static final String PASSWORD = "s3cret-Pa55word-for-acl";

  /** The ACL line of docs/reliability.md, for {@code prefix}. */
  static String aclRule(String prefix) {
    return "on >" + PASSWORD + " resetkeys ~" + prefix + ":* resetchannels &" + prefix + ":* +@all -@dangerous";
  }

  private static void setUser(RedisServer redis, String user, String rule) {
    RedisClientConfig config = new RedisClientConfig().setAddress(redis.address());
    RedisClient admin = RedisClient.create(config);
    try {
      RedisConnection connection = admin.connect();
      List<Object> args = new ArrayList<>();
      args.add("SETUSER");
      args.add(user);
      args.addAll(List.of(rule.split(" ")));
      connection.sync(StringCodec.INSTANCE, new RedisStrictCommand<>("ACL"), args.toArray());
      connection.closeAsync();
    } finally {
      admin.shutdown();
    }
  }

  private static RedissonClient clientAs(RedisServer redis, String user, String password) {
    return redis.newRedisson(c -> {
      c.setUsername(user);
      c.setPassword(password);
    });
  }

  @Test
  void aUserLimitedToThePrefixRunsTheFleetAndNothingElse(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    setUser(redis, "r4j-app", aclRule(prefix));
    List<RedissonClient> clients = List.of(clientAs(redis, "r4j-app", PASSWORD), clientAs(redis, "r4j-app", PASSWORD));
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    try {
      for (int i = 0; i < clients.size(); i++) {
        registries.add(RedisCircuitBreakerRegistry.builder(clients.get(i))
            .withCircuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build())
            .keyPrefix(prefix).nodeId("node-" + i).build());
      }
      RedisCircuitBreaker a = (RedisCircuitBreaker) registries.get(0).circuitBreaker("payments");
      RedisCircuitBreaker b = (RedisCircuitBreaker) registries.get(1).circuitBreaker("payments");
      FleetIT.awaitSeeded(List.of(a, b));

      a.transitionToForcedOpenState(); // scripts, and a message on the prefix's channel
      await().atMost(Fleet.AWAIT).until(() -> b.getState() == State.FORCED_OPEN);
      assertThat(a.syncMode()).isEqualTo(SyncMode.SHARED);
      assertThat(registries.get(1).sharedBreakers()).extracting(SharedBreakerState::name).containsExactly("payments");

      assertThatThrownBy(() -> clients.get(0).getBucket("elsewhere:key", StringCodec.INSTANCE).set("x"))
          .hasMessageContaining("NOPERM");
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }

  /**
   * A user whose ACL does not cover the registry's prefix: the WARN and an operator's exception
   * name the permission (NOPERM) and the ACL, not an unreachable Redis or a timeout.
   */
  @Test
  void aPrefixOutsideTheUsersAclIsNamedAsAPermissionRefusal(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    setUser(redis, "r4j-app", aclRule(prefix));
    Logger engine = (Logger) LoggerFactory.getLogger(io.github.r4jredis.state.internal.SyncEngine.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    engine.addAppender(logs);
    RedissonClient client = clientAs(redis, "r4j-app", PASSWORD);
    try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
        .keyPrefix(prefix + "-other").build()) {
      RedisCircuitBreaker breaker = (RedisCircuitBreaker) registry.circuitBreaker("payments");
      await().atMost(Fleet.AWAIT).until(() -> breaker.syncMode() == SyncMode.LOCAL);

      assertThatThrownBy(() -> registry.reset("payments")).isExactlyInstanceOf(RedisStateException.class)
          .hasMessageContaining("NOPERM").hasMessageContaining("ACL");
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(List.copyOf(logs.list))
          .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
          .extracting(ILoggingEvent::getFormattedMessage)
          .anyMatch(line -> line.contains("NOPERM") && line.contains("ACL") && !line.contains("unreachable")));
    } finally {
      engine.detachAppender(logs);
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWrongPasswordIsNeverLoggedThrownOrPrinted(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    setUser(redis, "r4j-app", aclRule(prefix));
    String wrong = "wrong-Pa55word-never-shown";
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    RedissonClient client = clientAs(redis, "r4j-app", wrong);
    try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix).build()) {
      RedisCircuitBreaker breaker = (RedisCircuitBreaker) registry.circuitBreaker("payments");
      await().atMost(Fleet.AWAIT).until(() -> breaker.syncMode() == SyncMode.LOCAL);
      assertThat(breaker.tryAcquirePermission()).isTrue(); // it protects locally meanwhile
      Throwable failure = org.assertj.core.api.Assertions.catchThrowable(registry::sharedBreakers);

      assertThat(failure).isInstanceOf(RedisStateException.class);
      List<String> seen = new ArrayList<>();
      seen.add(registry.toString());
      seen.add(breaker.toString());
      for (Throwable t = failure; t != null; t = t.getCause()) {
        seen.add(t.toString());
      }
      for (ILoggingEvent event : logs.list) {
        seen.add(event.getFormattedMessage());
        if (event.getThrowableProxy() != null) {
          seen.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
      }
      assertThat(seen).noneMatch(s -> s.contains(wrong) || s.contains(PASSWORD));
      // It said what is wrong, at WARN, and so does the exception: the credentials.
      assertThat(failure).hasMessageContaining("WRONGPASS").hasMessageContaining("credentials");
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(List.copyOf(logs.list))
          .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
          .extracting(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.contains("WRONGPASS")
              && line.contains("credentials")));
    } finally {
      root.detachAppender(logs);
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
