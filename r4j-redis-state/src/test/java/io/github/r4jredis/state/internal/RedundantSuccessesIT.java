package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * A fast success into the fleet's full COUNT_BASED window of successes changes nothing in it, so
 * the call path does not count it: the window stays what Resilience4j's would be, the node still
 * tells Redis it uses the breaker, and the first failed call (this node's or another's) makes
 * every success count again at once.
 */
@RedisTest
class RedundantSuccessesIT {

  private static final CircuitBreakerConfig CONFIG = CircuitBreakerConfig.custom()
      .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
      .failureRateThreshold(50)
      .build();

  private final List<RedissonClient> clients = new ArrayList<>();
  private final List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
  private KeySpace keys;

  @BeforeEach
  void start(RedisServer redis, @KeyPrefix String prefix) {
    keys = KeySpace.of(prefix);
    for (int i = 0; i < 2; i++) {
      RedissonClient client = redis.newRedisson();
      clients.add(client);
      registries.add(RedisCircuitBreakerRegistry.builder(client)
          .withCircuitBreakerConfig(CONFIG)
          .keyPrefix(prefix)
          .nodeId("node-" + i)
          .maxFlushDelay(Duration.ofSeconds(1))
          .build());
    }
  }

  @AfterEach
  void stop() {
    registries.forEach(RedisCircuitBreakerRegistry::close);
    clients.forEach(RedissonClient::shutdown);
  }

  private SharedCircuitBreaker breaker(int node) {
    return (SharedCircuitBreaker) registries.get(node).circuitBreaker("dep");
  }

  private static void succeed(SharedCircuitBreaker breaker, int calls) {
    for (int i = 0; i < calls; i++) {
      breaker.acquirePermission();
      breaker.onSuccess(1, TimeUnit.MILLISECONDS);
    }
  }

  private static void fail(SharedCircuitBreaker breaker) {
    breaker.acquirePermission();
    breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
  }

  private long lastFlushMillis(int node) {
    String entry = clients.get(0).<String, String>getMap(keys.nodesKey("dep"), StringCodec.INSTANCE).get("node-" + node);
    return entry == null ? 0 : Long.parseLong(entry.split(" ")[1]);
  }

  @Test
  void successesIntoAFullWindowOfSuccessesAreNotCountedAndTheWindowIsResilience4js() {
    SharedCircuitBreaker a = breaker(0);
    succeed(a, 10);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.successesRedundant);

    long recorded = a.sync().outcomes().recordedCalls();
    succeed(a, 1_000);
    assertThat(a.sync().outcomes().recordedCalls()).as("not counted").isEqualTo(recorded);
    assertThat(a.getMetrics().getNumberOfBufferedCalls()).isEqualTo(10);
    assertThat(a.getMetrics().getNumberOfFailedCalls()).isZero();

    // Resilience4j, window 10 full of successes: f s s s -> 1 failure in 10.
    fail(a);
    assertThat(a.successesRedundant).as("cleared by the failure itself").isFalse();
    succeed(a, 3);
    assertThat(a.sync().outcomes().recordedCalls())
        .as("the failure and the successes after it; none for those not counted").isEqualTo(recorded + 4);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.isSettled()
        && a.view().failures() == 1 && a.view().calls() == 10);
    assertThat(client(0).getList(keys.windowKey("dep"), StringCodec.INSTANCE).readAll())
        .extracting(run -> run.toString().split(" ")[0]).containsExactly("s6", "f1", "s3");
  }

  @Test
  void anotherNodesFailureMakesThisNodesSuccessesCountAgain() {
    SharedCircuitBreaker a = breaker(0);
    SharedCircuitBreaker b = breaker(1);
    succeed(a, 10);
    succeed(b, 10);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.successesRedundant && b.successesRedundant);

    // Five failures on b after a full window of successes: 50 %, the fleet opens, as one
    // Resilience4j breaker fed the same calls would.
    for (int i = 0; i < 5; i++) {
      fail(b);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.successesRedundant);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.sharedState() == State.OPEN);
  }

  @Test
  void successesNotCountedBeforeAResetAreNotCountedInTheNewWindow() {
    SharedCircuitBreaker a = breaker(0);
    succeed(a, 10);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.successesRedundant);
    succeed(a, 5);

    registries.get(1).reset("dep");

    await().atMost(Duration.ofSeconds(5)).until(() -> a.stateVersion() > 1 && a.isSettled());
    assertThat(a.view().calls()).as("the fleet's fresh window").isZero();
  }

  @Test
  void aNodeWhoseSuccessesAreNotCountedStillTellsRedisItUsesTheBreaker() {
    SharedCircuitBreaker a = breaker(0);
    succeed(a, 10);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.successesRedundant);
    long before = lastFlushMillis(0);

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
      succeed(a, 10);
      return lastFlushMillis(0) > before;
    });
    assertThat(a.view().activeNodes()).isEqualTo(1);
    assertThat(a.view().calls()).isEqualTo(10);
  }

  private RedissonClient client(int node) {
    return clients.get(node);
  }
}
