package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.LoggerFactory;

/**
 * A careless operator or an attacker holding the application's ACL writes into a breaker's keys
 * while 3 nodes call it: whatever was written, the next flush repairs it, counted, with at most
 * one WARN per node; the fleet stays CLOSED (a tampered failure count opens nothing) and every
 * node SHARED.
 */
@Tag("fault")
@RedisTest
class TamperedStateIT {

  private static final int NODES = 3;

  enum Tamper {
    NEGATIVE_VERSION((redis, key) -> state(redis, key).put("v", "-5")),
    HUGE_VERSION((redis, key) -> state(redis, key).put("v", "1e300")),
    NEGATIVE_ATTEMPTS((redis, key) -> state(redis, key).put("a", "-1")),
    LONG_HOLDER((redis, key) -> state(redis, key).put("lh", "x".repeat(10_000))),
    MORE_FAILURES_THAN_CALLS((redis, key) -> state(redis, key).put("wf", "1000")),
    WINDOW_ENTRY_OF_FAILURES((redis, key) -> redis.getList(key + ":window", StringCodec.INSTANCE).set(0, "f1000 1")),
    STATE_AS_A_STRING((redis, key) -> {
      redis.getKeys().delete(key + ":state");
      redis.getBucket(key + ":state", StringCodec.INSTANCE).set("not a hash");
    }),
    NODES_AS_A_STRING((redis, key) -> {
      redis.getKeys().delete(key + ":nodes");
      redis.getBucket(key + ":nodes", StringCodec.INSTANCE).set("not a hash");
    });

    private final BiConsumer<RedissonClient, String> write;

    Tamper(BiConsumer<RedissonClient, String> write) {
      this.write = write;
    }

    private static org.redisson.api.RMap<String, String> state(RedissonClient redis, String key) {
      return redis.getMap(key + ":state", StringCodec.INSTANCE);
    }
  }

  @ParameterizedTest
  @EnumSource(Tamper.class)
  void whateverIsWrittenIntoABreakersKeysIsRepairedOnceAndOpensNothing(Tamper tamper, RedisServer redis,
      @KeyPrefix String prefix) {
    ListAppender<ILoggingEvent> logs = capture();
    try (Fleet fleet = new Fleet(redis, NODES, prefix, RedisFaultIT.config());
        Load load = new Load(fleet.breakers("payments"))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300); // the window is full
      List<State> transitions = new CopyOnWriteArrayList<>();
      breakers.forEach(b -> b.getEventPublisher().onStateTransition(e -> transitions.add(e.getStateTransition().getToState())));
      synchronized (logs) {
        logs.list.clear();
      }
      long start = System.nanoTime();

      tamper.write.accept(fleet.clients.get(0), prefix + ":{payments}");

      await().atMost(Fleet.AWAIT).until(() -> repairs(fleet) >= 1);
      long repairedMillis = (System.nanoTime() - start) / 1_000_000;
      long reached = load.reached.get();
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > reached + 300); // and calls flow on
      await().atMost(Fleet.AWAIT).until(() -> fleet.node(1).sharedBreaker("payments")
          .map(s -> s.state() == State.CLOSED).orElse(false));
      List<String> warnings;
      synchronized (logs) {
        warnings = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage).toList();
      }
      System.out.printf(Locale.ROOT, "FIGURE tampered %s under load: repaired %d ms later, %.0f repairs counted,"
          + " %d WARN lines, transitions %s, 0 breaker exceptions%n", tamper, repairedMillis, repairs(fleet),
          warnings.size(), transitions);
      assertThat(load.breakerExceptions).isEmpty();
      assertThat(transitions).doesNotContain(State.OPEN, State.HALF_OPEN, State.FORCED_OPEN);
      assertThat(breakers).allSatisfy(b -> {
        assertThat(b.syncMode()).isEqualTo(SyncMode.SHARED);
        assertThat(b.getState()).isEqualTo(State.CLOSED);
      });
      assertThat(warnings).as("at most one per node").hasSizeLessThanOrEqualTo(NODES);
    } finally {
      release(logs);
    }
  }

  private static double repairs(Fleet fleet) {
    return fleet.meters.find("r4jredis.state.repairs").counters().stream().mapToDouble(Counter::count).sum();
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger("io.github.r4jredis")).addAppender(appender); // every class of the library
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger("io.github.r4jredis")).detachAppender(appender);
  }
}
