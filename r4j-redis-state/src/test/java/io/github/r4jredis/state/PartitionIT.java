package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.r4jredis.testkit.TcpProxy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One node of three loses Redis behind a TCP proxy (a black hole, a cut, a slow link) while the
 * fleet is under load: that node decides alone, the others stay SHARED and go on deciding for
 * the fleet, and the node rejoins the fleet's state when the link heals.
 */
@Tag("fault")
@RedisTest
class PartitionIT {

  private static final int NODES = 3;

  private static CircuitBreakerConfig config() {
    return CircuitBreakerConfig.custom()
        .slidingWindow(50, 50, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(1))
        .build();
  }

  @Test
  void aBlackHoledNodeGoesLocalTheOthersKeepDecidingAndItRejoins(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    partition(redis, prefix, "drop", TcpProxy::drop);
  }

  @Test
  void aCutNodeGoesLocalTheOthersKeepDecidingAndItRejoins(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    partition(redis, prefix, "cut", TcpProxy::cut);
  }

  @Test
  void aSlowLinkBeyondTheCommandTimeoutIsAPartitionToo(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    partition(redis, prefix, "delay 2s", proxy -> proxy.delay(Duration.ofSeconds(2)));
  }

  private void partition(RedisServer redis, String prefix, String fault, Consumer<TcpProxy> inject) {
    try (TcpProxy proxy = TcpProxy.to(redis);
        Fleet fleet = new Fleet(redis, NODES, prefix, config(), b -> { },
            node -> node == 0 ? proxy.address() : redis.address());
        Load load = new Load(fleet.breakers("payments"))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      RedisCircuitBreaker isolated = breakers.get(0);
      List<RedisCircuitBreaker> others = breakers.subList(1, NODES);
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);

      // "SHARED throughout" is sampled every 5 ms from the fault to the rejoin, not checked twice.
      AtomicBoolean othersLeft = new AtomicBoolean();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(() -> {
        if (others.stream().anyMatch(b -> b.syncMode() != SyncMode.SHARED)) {
          othersLeft.set(true);
        }
      }, 0, 5, TimeUnit.MILLISECONDS);
      inject.accept(proxy);
      long injected = System.nanoTime();
      await().atMost(Fleet.AWAIT).until(() -> isolated.syncMode() == SyncMode.LOCAL);
      long localMillis = (System.nanoTime() - injected) / 1_000_000;

      // The fleet decides without the isolated node: the dependency fails, the others open it.
      load.dependencyDown.set(true);
      await().atMost(Fleet.AWAIT).until(() -> others.stream().allMatch(b -> b.sharedState() == State.OPEN));
      long fleetVersion = others.get(0).stateVersion();

      proxy.heal();
      long healed = System.nanoTime();
      await().atMost(Fleet.AWAIT).until(() -> isolated.syncMode() == SyncMode.SHARED
          && isolated.stateVersion() >= fleetVersion && isolated.getState() == State.OPEN);
      long rejoinMillis = (System.nanoTime() - healed) / 1_000_000;
      sampler.shutdownNow();

      assertThat(othersLeft).as("another node left SHARED during the partition").isFalse();
      assertThat(load.breakerExceptions).isEmpty();
      System.out.printf("FIGURE partition %s: isolated node LOCAL after %d ms, other %d nodes SHARED throughout"
          + " (sampled every 5 ms), rejoined the fleet's OPEN (version %d) %d ms after healing, 0 breaker exceptions in %d calls%n",
          fault, localMillis, NODES - 1, isolated.stateVersion(), rejoinMillis,
          load.reached.get() + load.rejected.get());
    }
  }
}
