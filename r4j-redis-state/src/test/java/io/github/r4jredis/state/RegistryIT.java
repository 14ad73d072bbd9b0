package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.registry.EntryAddedEvent;
import io.github.resilience4j.core.registry.EntryRemovedEvent;
import io.github.resilience4j.core.registry.EntryReplacedEvent;
import io.github.resilience4j.core.registry.RegistryEventConsumer;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.slf4j.LoggerFactory;

/** The registry as Resilience4j users meet it: registry events, Micrometer, names, listing, Cluster. */
@RedisTest
class RegistryIT {

  private static final CircuitBreakerConfig SMALL = CircuitBreakerConfig.custom()
      .slidingWindowSize(4).minimumNumberOfCalls(4).build();

  @Test
  void registryEventsReachConsumersAndMicrometerShowsTheSharedState(RedisServer redis, @KeyPrefix String prefix) {
    List<String> added = new CopyOnWriteArrayList<>();
    RegistryEventConsumer<CircuitBreaker> consumer = new RegistryEventConsumer<>() {
      @Override
      public void onEntryAddedEvent(EntryAddedEvent<CircuitBreaker> event) {
        added.add(event.getAddedEntry().getName());
      }

      @Override
      public void onEntryRemovedEvent(EntryRemovedEvent<CircuitBreaker> event) { }

      @Override
      public void onEntryReplacedEvent(EntryReplacedEvent<CircuitBreaker> event) { }
    };
    try (Fleet fleet = new Fleet(redis, 2, prefix, SMALL, b -> b.addRegistryEventConsumer(consumer))) {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(fleet.node(1)).bindTo(meters);
      CircuitBreaker opener = fleet.node(0).circuitBreaker("calcom");
      CircuitBreaker watcher = fleet.node(1).circuitBreaker("calcom");
      assertThat(added).containsExactly("calcom", "calcom");
      FleetIT.awaitSeeded(List.of((RedisCircuitBreaker) opener, (RedisCircuitBreaker) watcher));

      for (int i = 0; i < 4; i++) {
        opener.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
      }

      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(
          meters.get("resilience4j.circuitbreaker.state").tags("name", "calcom", "state", "open").gauge().value())
          .isEqualTo(1.0));
      assertThat(meters.get("resilience4j.circuitbreaker.failure.rate").tags("name", "calcom").gauge().value())
          .isEqualTo(100.0);
      assertThat(fleet.meters.get("r4jredis.state.sync.mode").tags("node", "node-1").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void hostileNamesStayInsideTheirKeysAndInvalidOnesAreRefused(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, SMALL)) {
      String hostile = "pay}:{ments \u00e9\ud83d\ude80";
      RedisCircuitBreaker breaker = fleet.breaker(0, hostile);
      breaker.transitionToForcedOpenState();

      await().atMost(Fleet.AWAIT).until(() -> fleet.breaker(1, hostile).getState() == State.FORCED_OPEN);
      assertThat(fleet.node(1).sharedBreaker(hostile)).get()
          .extracting(SharedBreakerState::state).isEqualTo(State.FORCED_OPEN);
      assertThat(fleet.clients.get(0).getKeys().getKeysStream().filter(k -> k.startsWith(prefix)).toList())
          .allMatch(k -> k.startsWith(prefix + ":{pay%7D%3A%7Bments%20%C3%A9%F0%9F%9A%80}:") || k.equals(prefix + ":breakers")
              || k.startsWith(prefix + ":node:")); // the nodes' heartbeats
      assertThatThrownBy(() -> fleet.node(0).circuitBreaker("x".repeat(10_240)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("circuit breaker name must be at most 200 characters, was 10240 characters");
      assertThatThrownBy(() -> fleet.node(0).circuitBreaker("line\nbreak"))
          .hasMessage("circuit breaker name must not contain control characters, was 'line\\u000abreak'");
    }
  }

  @Test
  void listsAndResetsBreakersThisNodeNeverCreated(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, SMALL)) {
      fleet.breaker(0, "calcom").transitionToForcedOpenState();
      fleet.breaker(0, "retell").transitionToOpenState();
      RedisCircuitBreakerRegistry operator = fleet.node(1);
      await().atMost(Fleet.AWAIT).until(() -> fleet.breaker(0, "calcom").sharedState() == State.FORCED_OPEN
          && fleet.breaker(0, "retell").sharedState() == State.OPEN);

      List<SharedBreakerState> states = operator.sharedBreakers();

      assertThat(states).extracting(SharedBreakerState::name).containsExactly("calcom", "retell");
      assertThat(states).extracting(SharedBreakerState::state).containsExactly(State.FORCED_OPEN, State.OPEN);
      assertThat(states.get(1).openUntil()).isPresent();
      assertThat(operator.getAllCircuitBreakers()).isEmpty();

      assertThat(operator.resetAll()).containsExactly("calcom", "retell");
      await().atMost(Fleet.AWAIT).untilAsserted(() -> {
        assertThat(fleet.breaker(0, "calcom").getState()).isEqualTo(State.CLOSED);
        assertThat(fleet.breaker(0, "retell").getState()).isEqualTo(State.CLOSED);
      });
      assertThat(operator.reset("unknown")).isFalse();
      assertThat(operator.sharedBreaker("unknown")).isEmpty();
    }
  }

  @Test
  void movesBreakersThisNodeNeverCreatedUnderResilience4jsTransitionTable(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 2, prefix, SMALL)) {
      RedisCircuitBreaker holder = fleet.breaker(0, "calcom");
      FleetIT.awaitSeeded(List.of(holder));
      RedisCircuitBreakerRegistry operator = fleet.node(1);

      SharedBreakerState forced = operator.transition("calcom", State.FORCED_OPEN).orElseThrow();

      assertThat(forced.state()).isEqualTo(State.FORCED_OPEN);
      assertThat(forced.version()).isGreaterThan(holder.stateVersion() - 1);
      await().atMost(Fleet.AWAIT).until(() -> holder.getState() == State.FORCED_OPEN);
      assertThat(operator.transition("calcom", State.METRICS_ONLY)).get()
          .extracting(SharedBreakerState::state).isEqualTo(State.METRICS_ONLY);
      assertThatThrownBy(() -> operator.transition("calcom", State.HALF_OPEN))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Circuit breaker 'calcom' cannot move from METRICS_ONLY to HALF_OPEN");
      assertThat(operator.transition("unknown", State.DISABLED)).isEmpty();
      assertThat(operator.getAllCircuitBreakers()).isEmpty();
    }
  }

  /** Regression: reconcile reads once filled every pipeline, and breakers past the first 1000 never got seeded. */
  @Test
  void everyBreakerOfALargeRegistryIsSeeded(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 1, prefix, SMALL, b -> b.reconcileInterval(java.time.Duration.ofMillis(100)))) {
      List<RedisCircuitBreaker> breakers = new java.util.ArrayList<>();
      for (int i = 0; i < 2_500; i++) {
        breakers.add(fleet.breaker(0, "b" + i));
      }
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.stateVersion() > 0));
      assertThat(fleet.node(0).sharedBreakers()).hasSize(2_500);
    }
  }

  /**
   * Regression: closing a registry used the moment it was made, then shutting Redisson down, logged
   * netty's "Failed to submit a listener notification task" with a stack trace: the subscription
   * was still being set up on the engine's io thread after close() returned.
   */
  @Test
  void aRegistryClosedTheMomentItIsUsedLeavesNothingForRedissonsShutdown(RedisServer redis, @KeyPrefix String prefix) {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      for (int run = 0; run < 10; run++) {
        Config config = new Config();  // Redisson's defaults: 24 connections to open, as a user's client
        config.useSingleServer().setAddress(redis.address());
        config.setLazyInitialization(true);
        RedissonClient redisson = Redisson.create(config);
        try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(redisson)
            .keyPrefix(prefix).withCircuitBreakerConfig(SMALL).build()) {
          registry.circuitBreaker("calcom").onError(0, TimeUnit.NANOSECONDS, new IOException("down"));
        } finally {
          redisson.shutdown(0, 2, TimeUnit.SECONDS);
        }
      }
    } finally {
      root.detachAppender(logs);
    }
    synchronized (logs) {
      assertThat(logs.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .extracting(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).isEmpty();
    }
  }

  /**
   * A lazily connecting client that cannot connect: Redisson throws from the call that would send
   * (synchronously, or as a CompletionException). No public method passes that on: a breaker
   * decides locally, an operator's call throws RedisStateException saying what could not be done.
   */
  @Test
  void aClientThatCannotConnectGetsLocalDecisionsOrRedisStateExceptionsNeverRedissonsOwn(@KeyPrefix String prefix)
      throws IOException {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort(); // nothing listens on it once closed
    }
    Config config = new Config();
    config.setLazyInitialization(true);
    config.useSingleServer().setAddress("redis://127.0.0.1:" + port).setConnectTimeout(200).setTimeout(200)
        .setRetryAttempts(0);
    RedissonClient redisson = Redisson.create(config);
    try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(redisson)
        .keyPrefix(prefix).withCircuitBreakerConfig(SMALL).build()) {
      CircuitBreaker breaker = registry.circuitBreaker("calcom");

      breaker.transitionToOpenState();
      assertThat(breaker.getState()).isEqualTo(State.OPEN);
      breaker.reset();
      assertThat(breaker.getState()).isEqualTo(State.CLOSED);
      assertThatThrownBy(() -> registry.reset("calcom")).isExactlyInstanceOf(RedisStateException.class)
          .hasMessageContaining("calcom");
      assertThatThrownBy(() -> registry.sharedBreaker("calcom")).isExactlyInstanceOf(RedisStateException.class);
      assertThatThrownBy(() -> registry.transition("calcom", State.OPEN)).isExactlyInstanceOf(RedisStateException.class);
      assertThatThrownBy(registry::sharedBreakers).isExactlyInstanceOf(RedisStateException.class);
    } finally {
      redisson.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  /**
   * Names built from request data would make a breaker per request: the registry holds at most
   * maxCircuitBreakers, refuses the next with an error that says why, and has room again after
   * a removal.
   */
  @Test
  void aRegistryHoldsAtMostItsMaximumOfBreakers(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 1, prefix, SMALL, b -> b.maxCircuitBreakers(3))) {
      RedisCircuitBreakerRegistry registry = fleet.node(0);
      registry.circuitBreaker("a");
      registry.circuitBreaker("b");
      registry.circuitBreaker("c");
      assertThat(registry.circuitBreaker("a")).isSameAs(registry.circuitBreaker("a")); // existing ones still served

      assertThatThrownBy(() -> registry.circuitBreaker("d")).isExactlyInstanceOf(IllegalStateException.class)
          .hasMessageContaining("3 circuit breakers").hasMessageContaining("'d'")
          .hasMessageContaining("maxCircuitBreakers");
      assertThat(registry.getAllCircuitBreakers()).hasSize(3);

      registry.remove("b");
      assertThat(registry.circuitBreaker("d").getName()).isEqualTo("d");
      assertThatThrownBy(() -> RedisCircuitBreakerRegistry.builder(fleet.clients.get(0)).maxCircuitBreakers(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCircuitBreakers");
    }
  }

  /**
   * A consumer of the registry's EntryAdded events that throws makes Resilience4j drop the new
   * breaker (it is never stored): the breaker made for it is let go too, neither counted against
   * the maximum nor synced.
   */
  @Test
  void aBreakerTheRegistryDidNotStoreIsNotHeld(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 1, prefix, SMALL, b -> b.maxCircuitBreakers(1))) {
      RedisCircuitBreakerRegistry registry = fleet.node(0);
      java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean(true);
      registry.getEventPublisher().onEntryAdded(event -> {
        if (refuse.getAndSet(false)) {
          throw new IllegalStateException("a consumer that fails");
        }
      });
      assertThatThrownBy(() -> registry.circuitBreaker("dropped")).hasMessage("a consumer that fails");
      assertThat(registry.getAllCircuitBreakers()).isEmpty();

      assertThat(registry.circuitBreaker("kept").getName()).isEqualTo("kept");
      RedisCircuitBreaker kept = (RedisCircuitBreaker) registry.circuitBreaker("kept");
      FleetIT.awaitSeeded(List.of(kept));
      assertThat(fleet.meters.get("r4jredis.state.sync.breakers").tag("round", "hot").gauge().value()
          + fleet.meters.get("r4jredis.state.sync.breakers").tag("round", "cold").gauge().value())
          .as("the engine syncs the stored breaker only").isEqualTo(1.0);
    }
  }

  @Test
  void valuesInRedisAreReadableText(RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, 1, prefix, SMALL)) {
      fleet.breaker(0, "calcom").transitionToOpenState();
      await().atMost(Fleet.AWAIT).until(() -> fleet.breaker(0, "calcom").sharedState() == State.OPEN);
      Map<String, String> state = fleet.clients.get(0)
          .<String, String>getMap(prefix + ":{calcom}:state", StringCodec.INSTANCE).readAllMap();

      assertThat(state).containsEntry("s", "OPEN").containsEntry("p", "CLOSED").containsEntry("by", "node-0");
      assertThat(state.get("v")).matches("\\d+");
      assertThat(state.get("cw")).isEqualTo("60000*32");
    }
  }

  @Test
  void breakersWorkOnARedisClusterThroughHashTags(RedisCluster cluster, @KeyPrefix String prefix) {
    Config config = new Config();
    config.useClusterServers().setNodeAddresses(cluster.nodeAddresses());
    List<RedissonClient> clients = List.of(Redisson.create(config), Redisson.create(config));
    List<RedisCircuitBreakerRegistry> registries = clients.stream().map(c -> RedisCircuitBreakerRegistry.builder(c)
        .withCircuitBreakerConfig(SMALL).keyPrefix(prefix).build()).toList();
    try {
      List<String> names = List.of("calcom", "retell", "appointments", "webhooks", "database");
      for (String name : names) {
        CircuitBreaker breaker = registries.get(0).circuitBreaker(name);
        await().atMost(Fleet.AWAIT).until(() -> ((RedisCircuitBreaker) breaker).stateVersion() > 0);
        for (int i = 0; i < 4; i++) {
          breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
        }
      }
      for (String name : names) {
        CircuitBreaker other = registries.get(1).circuitBreaker(name);
        await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(other.getState()).isEqualTo(State.OPEN));
      }
      assertThat(registries.get(1).sharedBreakers()).hasSize(names.size());
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(RedissonClient::shutdown);
    }
  }
}
