package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * On a Cluster a PUBLISH goes to every node of the cluster over its bus. With sharded pub/sub on,
 * each breaker's state news goes instead on a shard channel in the breaker's own slot (Redis 7
 * SPUBLISH): it reaches every node of the fleet and no master but the one holding the breaker
 * handles it. Redis 6 has no shard channels: the same channel names are published as plain
 * channels and heard through a pattern. Off (the default), one channel per prefix.
 */
@RedisTest
class ClusterPubSubIT {

  private static final int NODES = 3;
  private static final Pattern CALLS = Pattern.compile("cmdstat_(\\w+):calls=(\\d+)");
  private static final Pattern SUBSCRIBED = Pattern.compile(" (ssub|psub)=[1-9]");

  @Test
  void aBreakersNewsStaysOnTheShardThatHoldsItAndReachesEveryNode(RedisCluster cluster, @KeyPrefix String prefix) {
    List<Map<String, Long>> seen = followAManualMove(cluster, prefix, true);

    assertThat(seen.get(0)).as("the breaker's master's commands").containsKey("spublish").doesNotContainKey("publish");
    for (Map<String, Long> other : seen.subList(1, seen.size())) {
      assertThat(other).as("another master's commands").doesNotContainKeys("spublish", "publish");
    }
  }

  @Test
  void onRedis6TheNewsGoesOutOnPlainChannelsHeardThroughAPattern(@KeyPrefix String prefix) {
    try (RedisCluster cluster = RedisCluster.builder().embeddedRedis().start()) {
      List<Map<String, Long>> seen = followAManualMove(cluster, prefix, true);

      assertThat(seen.get(0)).as("the breaker's master's commands").containsKey("publish");
    }
  }

  /** Without the option, one channel per prefix, as on a single server: PUBLISH, no SPUBLISH. */
  @Test
  void byDefaultTheNewsGoesOnThePrefixsChannel(RedisCluster cluster, @KeyPrefix String prefix) {
    List<Map<String, Long>> seen = followAManualMove(cluster, prefix, false);

    assertThat(seen.stream().filter(m -> m.containsKey("publish")).count()).as("masters that ran the PUBLISH").isEqualTo(1);
    assertThat(seen).allSatisfy(m -> assertThat(m).doesNotContainKey("spublish"));
  }

  /**
   * Three nodes; the first moves a breaker by hand, the others (idle, reading Redis once every
   * ten minutes at most) must follow within seconds: only the breaker's news can tell them. Returns
   * the commands each master ran meanwhile ({@code name=calls}, the scripts' own included), the
   * breaker's master first.
   */
  private static List<Map<String, Long>> followAManualMove(RedisCluster cluster, String prefix, boolean sharded) {
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    try {
      ClusterRestartIT.start(cluster, prefix, clients, registries,
          b -> b.reconcileInterval(Duration.ofMinutes(10)).shardedPubSub(sharded));
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker("payments")).toList();
      FleetIT.awaitSeeded(breakers);
      int ownerIndex = ClusterRestartIT.master(cluster, clients.get(0).getKeys().getSlot(prefix + ":{payments}:state"));
      List<RedisServer> masters = new ArrayList<>(cluster.nodes());
      masters.add(0, masters.remove(ownerIndex));
      // Subscribed everywhere (a subscription is made after the first answer): a message now reaches all.
      await().atMost(Fleet.AWAIT).until(() -> subscribers(masters, sharded) >= NODES);
      masters.forEach(m -> admin(m, "CONFIG", "RESETSTAT"));

      breakers.get(0).transitionToForcedOpenState();

      await().atMost(Duration.ofSeconds(5)).until(() -> breakers.stream().allMatch(b -> b.getState() == State.FORCED_OPEN));
      List<Map<String, Long>> seen = masters.stream().map(ClusterPubSubIT::commands).toList();
      System.out.printf("FIGURE cluster pub/sub: a manual move on one of %d nodes reached the other %d; commands"
          + " per master meanwhile (the breaker's first): %s%n", NODES, NODES - 1, seen);
      return seen;
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    }
  }

  /** Connections subscribed to a shard channel or a pattern (Redis 6), or to a channel, over every master. */
  private static long subscribers(List<RedisServer> masters, boolean sharded) {
    Pattern subscribed = sharded ? SUBSCRIBED : Pattern.compile(" sub=[1-9]");
    return masters.stream()
        .flatMap(m -> admin(m, "CLIENT", "LIST").toString().lines())
        .filter(line -> subscribed.matcher(line).find())
        .count();
  }

  /** The commands {@code master} ran since its statistics were reset (the scripts' own included). */
  private static Map<String, Long> commands(RedisServer master) {
    Map<String, Long> commands = new TreeMap<>();
    Matcher m = CALLS.matcher(admin(master, "INFO", "commandstats").toString());
    while (m.find()) {
      commands.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return commands;
  }

  private static Object admin(RedisServer master, String command, Object... args) {
    try (RedisRefusesIT.Admin admin = new RedisRefusesIT.Admin(master)) {
      return admin.run(command, args);
    }
  }
}
