package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.state.internal.SharedCircuitBreaker;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RTopic;
import org.redisson.client.codec.StringCodec;
import org.slf4j.LoggerFactory;

/**
 * An attacker holding the application's ACL publishes state news of its own on the breakers'
 * channel. A message may only make a node ask Redis sooner: what it claims is in force at most
 * until the read it triggers returns, once per incident, and never sticks.
 */
@Tag("fault")
@RedisTest
class ForgedMessagesIT {

  private static final int NODES = 3;
  private static final String NAME = "payments";
  /** How long each attack lasts. */
  private static final long ATTACK_NANOS = TimeUnit.SECONDS.toNanos(3);
  /**
   * Calls a node may make under a forged state: one read's round trip per node, at the load's
   * one call per millisecond per node, with a wide margin for a loaded 2-core machine.
   */
  private static final long BOUND = 150;

  private static CircuitBreakerConfig config() {
    return RedisFaultIT.config();
  }

  @Test
  void forgedClosedMessagesWhileTheFleetIsOpenLetAtMostOneRoundTripOfCallsThrough(
      RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config());
        Load load = new Load(fleet.breakers(NAME))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      load.dependencyDown.set(true);
      await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
      long version = breakers.get(0).stateVersion();
      ListAppender<ILoggingEvent> logs = capture();
      long reachedBefore = load.reached.get();

      int sent = attack(fleet, prefix, 50, i -> message(version + 1 + i, "CLOSED", "OPEN"));

      long reached = load.reached.get() - reachedBefore;
      await().atMost(Fleet.AWAIT).untilAsserted(() -> assertThat(breakers).allSatisfy(b -> {
        assertThat(b.getState()).isEqualTo(State.OPEN);
        assertThat(b.stateVersion()).isEqualTo(version);
      }));
      List<String> warnings = warnings(logs);
      release(logs);
      System.out.printf(Locale.ROOT, "FIGURE forged CLOSED at 50/s for 3 s, fleet OPEN: %d messages, %d calls reached"
          + " the dead dependency (%d nodes, a call per ms each); %d WARN lines%n", sent, reached, NODES, warnings.size());
      assertThat(reached).isLessThanOrEqualTo(BOUND);
      assertThat(warnings).hasSizeLessThanOrEqualTo(NODES); // one per node and incident
      assertThat(fleet.meters.get("r4jredis.state.messages.rejected").tag("reason", "forged").counters())
          .isNotEmpty();
    }
  }

  @Test
  void forgedOpenMessagesWhileTheFleetIsHealthyDenyAtMostOneRoundTripOfCalls(
      RedisServer redis, @KeyPrefix String prefix) {
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config());
        Load load = new Load(fleet.breakers(NAME))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > 300);
      long version = breakers.get(0).stateVersion();
      AtomicLong transitions = new AtomicLong();
      breakers.forEach(b -> b.getEventPublisher().onStateTransition(e -> transitions.incrementAndGet()));
      long rejectedBefore = load.rejected.get();

      int sent = attack(fleet, prefix, 80, i -> message(version + 1 + i, "OPEN", "CLOSED"));

      long rejected = load.rejected.get() - rejectedBefore;
      System.out.printf(Locale.ROOT, "FIGURE forged OPEN at 80/s for 3 s, fleet CLOSED: %d messages, %d calls denied"
          + " (%d nodes, a call per ms each), %d transition events%n", sent, rejected, NODES, transitions.get());
      assertThat(rejected).isLessThanOrEqualTo(BOUND);
      assertThat(transitions.get()).isLessThanOrEqualTo(2L * NODES); // in and out, once per node
      assertThat(breakers).allSatisfy(b -> {
        assertThat(b.getState()).isEqualTo(State.CLOSED);
        assertThat(b.stateVersion()).isEqualTo(version);
      });
    }
  }

  @Test
  void aBurstOfRisingForgedVersionsDoesNotStickThoughStaleMessagesKeepComing(
      RedisServer redis, @KeyPrefix String prefix) {
    // No load: a flush's reply would check the state too, only reads are left to do it.
    try (Fleet fleet = new Fleet(redis, NODES, prefix, config(), b -> b.reconcileInterval(Duration.ofSeconds(30)))) {
      List<RedisCircuitBreaker> breakers = fleet.breakers(NAME);
      FleetIT.awaitSeeded(breakers);
      long version = breakers.get(0).stateVersion();
      RTopic channel = channel(fleet, prefix);
      for (int i = 0; i < 60; i++) { // 60 rising versions, one per millisecond
        channel.publish(message(version + 1 + i, "FORCED_OPEN", "CLOSED"));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      long burst = System.nanoTime();
      // Stale news keeps coming (what the other nodes of a busy fleet send look stale to a node
      // stuck ahead): it must not postpone the check. The reconcile interval (30 s) is far off.
      AtomicLong stale = new AtomicLong();
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        channel.publish(message(version - 1 + stale.incrementAndGet() % 2, "OPEN", "CLOSED"));
        assertThat(breakers).allSatisfy(b -> {
          assertThat(b.getState()).isEqualTo(State.CLOSED);
          assertThat(b.stateVersion()).isEqualTo(version);
        });
      });
      System.out.printf(Locale.ROOT, "FIGURE 60 rising forged FORCED_OPEN versions in 60 ms, stale messages every"
          + " 50 ms: every node back at Redis's CLOSED v%d %d ms after the burst%n", version,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burst));
    }
  }

  /** Publishes {@code perSecond} messages a second for {@link #ATTACK_NANOS}; how many were sent. */
  private static int attack(Fleet fleet, String prefix, int perSecond, java.util.function.IntFunction<String> message) {
    RTopic channel = channel(fleet, prefix);
    long start = System.nanoTime();
    long every = TimeUnit.SECONDS.toNanos(1) / perSecond;
    int sent = 0;
    while (System.nanoTime() - start < ATTACK_NANOS) {
      channel.publish(message.apply(sent++));
      LockSupport.parkNanos(start + sent * every - System.nanoTime());
    }
    return sent;
  }

  private static RTopic channel(Fleet fleet, String prefix) {
    // The attacker is any client of the application's ACL: here, the first node's.
    return fleet.clients.get(0).getTopic(prefix + ":events", StringCodec.INSTANCE);
  }

  /** A well-formed message: tag, name, version, state, previous, since, openUntil, holder, until, halfOpenUntil, reason. */
  private static String message(long version, String state, String previous) {
    return "r4j1|" + NAME + "|" + version + "|" + state + "|" + previous + "|0|0||0|0|";
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(SharedCircuitBreaker.class)).addAppender(appender);
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(SharedCircuitBreaker.class)).detachAppender(appender);
  }

  private static List<String> warnings(ListAppender<ILoggingEvent> appender) {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
