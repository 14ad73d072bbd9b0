package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.StringCodec;

/**
 * Breakers a node holds but nobody calls cost Redis nothing: no reconcile reads once idle (three
 * reconcile intervals without a call). The first call of an idle breaker whose view is old
 * reads it again: what another node did meanwhile (here, a message this node never heard) is
 * learnt at once.
 */
@RedisTest
class IdleBreakersIT {

  private static final int BREAKERS = 200;
  private static final Duration RECONCILE = Duration.ofMillis(200);

  @Test
  void idleBreakersAreNotReadAndTheirFirstCallReadsThemAgain(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build();
    try (Fleet fleet = new Fleet(redis, 1, prefix, config, b -> b.reconcileInterval(RECONCILE));
        RedisRefusesIT.Admin admin = new RedisRefusesIT.Admin(redis)) {
      RedisCircuitBreakerRegistry registry = fleet.node(0);
      List<RedisCircuitBreaker> breakers = new ArrayList<>();
      for (int i = 0; i < BREAKERS; i++) {
        breakers.add((RedisCircuitBreaker) registry.circuitBreaker("idle-" + i));
      }
      FleetIT.awaitSeeded(breakers);
      long seeded = System.nanoTime();

      // Quiet: no script call for a whole second (reconcile reads of 200 breakers every 200 ms
      // would be a thousand a second).
      AtomicLong last = new AtomicLong(-1);
      await().atMost(Fleet.AWAIT).pollInterval(Duration.ofSeconds(1)).until(() -> {
        long now = calls(admin, "evalsha");
        return last.getAndSet(now) == now;
      });
      long quietAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - seeded);

      // Another node opens one of them, and this node misses the message (it is not subscribed
      // to what the operator's script writes here): only a read can tell it.
      fleet.clients.get(0).getMap(prefix + ":{idle-7}:state", StringCodec.INSTANCE).put("s", "FORCED_OPEN");
      fleet.clients.get(0).getMap(prefix + ":{idle-7}:state", StringCodec.INSTANCE).put("v", "100");
      RedisCircuitBreaker used = breakers.get(7);
      long firstCall = System.nanoTime();
      if (used.tryAcquirePermission()) {
        used.onSuccess(1, TimeUnit.MILLISECONDS);
      }
      await().atMost(Fleet.AWAIT).until(() -> used.getState() == State.FORCED_OPEN);
      System.out.printf(Locale.ROOT, "FIGURE %d idle breakers, reconcile interval %d ms: no script call in a"
          + " second from %d ms after seeding; a call on one whose state changed unheard learnt it %d ms later%n",
          BREAKERS, RECONCILE.toMillis(), quietAfter, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstCall));
    }
  }

  /**
   * A DISABLED breaker permits every call and counts none, so no flush tells Redis it is used:
   * its calls keep it from being idle, and it is reconciled (here: the fleet moved it while this
   * node missed the message).
   */
  @Test
  void aDisabledBreakerUnderCallsIsNotIdle(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 1, prefix, CircuitBreakerConfig.ofDefaults(),
        b -> b.reconcileInterval(RECONCILE));
        Load load = new Load(List.of(fleet.breaker(0, "disabled")))) {
      RedisCircuitBreaker breaker = fleet.breaker(0, "disabled");
      FleetIT.awaitSeeded(List.of(breaker));
      breaker.transitionToDisabledState();
      await().atMost(Fleet.AWAIT).until(() -> breaker.sharedState() == State.DISABLED);
      long calls = load.reached.get();
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > calls + 1_000); // over three reconcile intervals

      fleet.clients.get(0).getMap(prefix + ":{disabled}:state", StringCodec.INSTANCE)
          .putAll(java.util.Map.of("s", "FORCED_OPEN", "v", "100"));

      await().atMost(Fleet.AWAIT).until(() -> breaker.getState() == State.FORCED_OPEN);
    }
  }

  /**
   * Idle breakers go cold: the sync thread visits them once per reconcile interval instead of
   * every tick (docs/benchmarks.md, "Idle breakers": 20,000 idle breakers kept it at 85 % of a core). A call brings one back at once:
   * its failure reaches the fleet's window in Redis, and the others stay cold.
   */
  @Test
  void idleBreakersGoColdAndACallBringsOneBackAtOnce(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    int count = 1_000;
    try (Fleet fleet = new Fleet(redis, 1, prefix, CircuitBreakerConfig.ofDefaults(), b -> b.reconcileInterval(RECONCILE))) {
      List<RedisCircuitBreaker> breakers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        breakers.add(fleet.breaker(0, "cold-" + i));
      }
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> rounds(fleet, "cold") == count && rounds(fleet, "hot") == 0);

      RedisCircuitBreaker called = breakers.get(42);
      assertThat(called.tryAcquirePermission()).isTrue();
      called.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("down"));

      await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(fleet.node(0).sharedBreaker("cold-42"))
          .hasValueSatisfying(state -> assertThat(state.failedCalls()).isEqualTo(1)));
      assertThat(rounds(fleet, "cold")).isEqualTo(count - 1.0);
      // Idle again after three reconcile intervals without a call: cold again.
      await().atMost(Fleet.AWAIT).until(() -> rounds(fleet, "cold") == count);
    }
  }

  private static double rounds(Fleet fleet, String round) {
    return fleet.meters.get("r4jredis.state.sync.breakers").tag("round", round).gauge().value();
  }

  private static long calls(RedisRefusesIT.Admin admin, String command) {
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(String.valueOf(admin.run("INFO", "commandstats")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
