package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.r4jredis.state.internal.SyncEngine;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisClientConfig;
import org.redisson.client.RedisConnection;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisStrictCommand;
import org.redisson.config.Config;
import org.slf4j.LoggerFactory;

/**
 * A Redis that answers but does not do the work: full, read-only, unable to save, with the
 * application's ACL revoked, or busy with another tenant's script. The fleet is OPEN when it
 * starts, then the dependency recovers: every node must go LOCAL as if Redis were dead, let calls
 * through on its own machine's verdict, never throw, log a line per mode change (not per flush),
 * and follow the fleet again once Redis writes.
 */
@Tag("fault")
@RedisTest
class RedisRefusesIT {

  private static final int NODES = 3;
  private static final String APP_USER = "r4j-app";
  private static final String APP_PASSWORD = "app-Pa55word-refuses";

  /** One way a Redis refuses the work, and how it is undone. */
  enum Refusal {
    OOM("maxmemory reached, noeviction") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("CONFIG", "SET", "maxmemory", "1");
      }

      @Override
      void heal(Admin admin) {
        admin.run("CONFIG", "SET", "maxmemory", "0");
      }
    },
    READONLY("demoted to a replica, clients still on it") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("REPLICAOF", "127.0.0.1", "1"); // a master that never answers: the data stays
      }

      @Override
      void heal(Admin admin) {
        admin.run("REPLICAOF", "NO", "ONE");
      }
    },
    MISCONF("the last RDB save failed") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("CONFIG", "SET", "save", "3600 1"); // writes stop only where saving is configured
        admin.run("CONFIG", "SET", "dir", "/proc"); // nobody can write a file there, root neither
        admin.run("BGSAVE");
      }

      @Override
      void heal(Admin admin) {
        admin.run("CONFIG", "SET", "stop-writes-on-bgsave-error", "no");
      }
    },
    NOPERM("the application's ACL revoked") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("ACL", "SETUSER", APP_USER, "resetkeys");
      }

      @Override
      void heal(Admin admin) {
        admin.run("ACL", "SETUSER", APP_USER, "~*");
      }
    },
    BUSY("another client's script runs for ever") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("CONFIG", "SET", "busy-reply-threshold", "100");
        admin.start("EVAL", "local i = 0 while true do i = i + 1 end", "0");
      }

      @Override
      void heal(Admin admin) {
        admin.run("SCRIPT", "KILL");
      }
    },
    LOADING("loading a dataset (DEBUG RELOAD, slowed down)") {
      @Override
      void inject(Admin admin, RedisServer redis) {
        admin.run("DEBUG", "POPULATE", "40000");
        admin.run("CONFIG", "SET", "key-load-delay", "50");
        admin.run("CONFIG", "SET", "loading-process-events-interval-bytes", "1024");
        admin.start("DEBUG", "RELOAD");
      }

      @Override
      void heal(Admin admin) {
        // Loading ends on its own; a reload longer than this would only make the test slow.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "PONG".equals(admin.run("PING")));
        admin.run("CONFIG", "SET", "key-load-delay", "0");
      }
    };

    final String what;

    Refusal(String what) {
      this.what = what;
    }

    abstract void inject(Admin admin, RedisServer redis);

    abstract void heal(Admin admin);
  }

  /** Redis commands from a plain connection of the default user, outside the fleet. */
  static final class Admin implements AutoCloseable {
    private final RedisClient client;
    private final RedisConnection connection;
    private final List<RedisConnection> others = new ArrayList<>();

    Admin(RedisServer redis) {
      client = RedisClient.create(new RedisClientConfig().setAddress(redis.address()));
      connection = client.connect();
    }

    Object run(String command, Object... args) {
      return connection.sync(StringCodec.INSTANCE, new RedisStrictCommand<>(command), args);
    }

    private volatile @Nullable Thread repeater;

    /** Sends a command over and over on a connection of its own, until {@link #stopRepeating()}. */
    void repeat(String command, Object... args) {
      RedisConnection other = client.connect();
      others.add(other);
      Thread thread = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          other.sync(StringCodec.INSTANCE, new RedisStrictCommand<>(command), args);
        }
      }, "admin-repeat");
      thread.setDaemon(true);
      repeater = thread;
      thread.start();
    }

    void stopRepeating() {
      Thread thread = repeater;
      if (thread != null) {
        thread.interrupt();
        try {
          thread.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Sends a command on a connection of its own, without waiting for its reply. */
    void start(String command, Object... args) {
      RedisConnection other = client.connect();
      others.add(other);
      other.async(StringCodec.INSTANCE, new RedisStrictCommand<>(command), args);
    }

    @Override
    public void close() {
      stopRepeating();
      others.forEach(RedisConnection::closeAsync);
      connection.closeAsync();
      client.shutdown();
    }
  }

  private static CircuitBreakerConfig config() {
    return CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .build();
  }

  @ParameterizedTest
  @EnumSource(Refusal.class)
  void aRedisThatAnswersButRefusesTheWorkIsAsGoodAsDown(Refusal refusal, @KeyPrefix String prefix) {
    try (RedisServer redis = RedisServer.builder().argument("enable-protected-configs", "yes")
        .argument("enable-debug-command", "yes").start();
        Admin admin = new Admin(redis)) {
      admin.run("ACL", "SETUSER", APP_USER, "on", ">" + APP_PASSWORD, "~*", "&*", "+@all");
      Consumer<Config> asApp = c -> c.useSingleServer().setUsername(APP_USER).setPassword(APP_PASSWORD);
      ListAppender<ILoggingEvent> logs = capture();
      try (Fleet fleet = new Fleet(redis, NODES, prefix, config(), b -> { }, i -> redis.address(), asApp);
          Load load = new Load(fleet.breakers("payments"))) {
        List<RedisCircuitBreaker> breakers = openTheFleet(fleet, load, logs);

        refusal.inject(admin, redis);
        long injected = System.nanoTime();
        load.dependencyDown.set(false); // the dependency recovers while Redis refuses the work
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.LOCAL));
        long localMillis = millisSince(injected);
        long reachedBefore = load.reached.get();
        await().atMost(Fleet.AWAIT).until(() -> load.reached.get() > reachedBefore);
        long firstCallMillis = millisSince(injected);
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.CLOSED));
        long closedMillis = millisSince(injected);
        long reachedWhileRefused = load.reached.get() - reachedBefore;
        assertThat(breakers).allSatisfy(b -> assertThat(b.syncMode()).isEqualTo(SyncMode.LOCAL));
        List<String> linesWhileRefused = lines(logs, prefix);

        refusal.heal(admin);
        long healed = System.nanoTime();
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED));
        long sharedMillis = millisSince(healed);
        // Back with the fleet: Redis still says OPEN (its deadline long past); one trial episode
        // closes it, and every node follows.
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream()
            .allMatch(b -> b.sharedState() == State.CLOSED && b.getState() == State.CLOSED));

        assertThat(load.breakerExceptions).isEmpty();
        // One line per node for going LOCAL (naming the refusal), none per flush or per breaker.
        // (A busy Redis holds the first pipeline until its busy-reply-threshold, and a loading
        // one answers only between slices of its dataset: that may read as no answer.)
        assertThat(linesWhileRefused).hasSize(NODES).allSatisfy(line -> assertThat(line).satisfiesAnyOf(
            named -> assertThat(named).startsWith("Redis refuses").contains(refusal.name()),
            silent -> assertThat(silent).contains(refusal == Refusal.BUSY || refusal == Refusal.LOADING ? "no answer" : "\0")));
        // And one for rejoining; a spell that began as silence (a busy or loading Redis holds
        // the first pipeline) and lasted 5 s also got its warning, once per node.
        List<String> all = lines(logs, prefix);
        long silenceWarnings = all.stream()
            .filter(line -> line.startsWith("Redis unreachable (") && !linesWhileRefused.contains(line)).count();
        assertThat(silenceWarnings)
            .isLessThanOrEqualTo(linesWhileRefused.stream().filter(line -> line.contains("no answer")).count());
        assertThat(all).hasSize(2 * NODES + (int) silenceWarnings);
        assertThat(fleet.meters.get("r4jredis.state.sync.failures").tag("kind", refusal.name().toLowerCase(Locale.ROOT))
            .counters()).isNotEmpty();
        System.out.printf("FIGURE %s (%s): all %d nodes LOCAL %d ms after it began; the first call reached the"
            + " recovered dependency after %d ms, every node CLOSED after %d ms, %d calls through while Redis refused;"
            + " all SHARED %d ms after it was undone, then the fleet CLOSED; %d log lines; 0 breaker exceptions%n",
            refusal, refusal.what, NODES, localMillis, firstCallMillis, closedMillis, reachedWhileRefused,
            sharedMillis, lines(logs, prefix).size());
      } finally {
        release(logs);
      }
    }
  }

  /**
   * Another client flushes Redis's script cache over and over (thousands of times a second) while
   * the fleet is OPEN, then the dependency recovers. A script call sent on its own after its
   * script was loaded mostly fails with NOSCRIPT (Redisson's script cache turns a pipeline's EVAL
   * into the same SCRIPT LOAD, a round trip earlier, then EVALSHA); a node's pipeline after a
   * NOSCRIPT loads the scripts in the same pipeline, which Redis runs back to back with the calls
   * after them, so the fleet's trial episode goes through. A node still goes LOCAL if Redis did
   * none of its work for {@code localModeAfter}; either way the fleet is never stuck, callers
   * never see it, and the log stays one line per mode change at most.
   */
  @Test
  void aScriptCacheFlushedOverAndOverDoesNotStopTheFleet(@KeyPrefix String prefix) {
    try (RedisServer redis = RedisServer.start();
        Admin admin = new Admin(redis)) {
      ListAppender<ILoggingEvent> logs = capture();
      try (Fleet fleet = new Fleet(redis, NODES, prefix, config(), b -> { }, i -> redis.address(), c -> { });
          Load load = new Load(fleet.breakers("payments"))) {
        List<RedisCircuitBreaker> breakers = openTheFleet(fleet, load, logs);
        List<AtomicBoolean> wentLocal = breakers.stream().map(b -> new AtomicBoolean()).toList();

        admin.repeat("SCRIPT", "FLUSH");
        long injected = System.nanoTime();
        load.dependencyDown.set(false);
        // Every other pipeline gets through (the one after a NOSCRIPT loads the scripts first): a
        // node goes LOCAL only once none has for localModeAfter. The fleet must not be stuck.
        long reachedBefore = load.reached.get();
        await().atMost(Fleet.AWAIT).until(() -> {
          for (int i = 0; i < NODES; i++) {
            if (breakers.get(i).syncMode() == SyncMode.LOCAL) {
              wentLocal.get(i).set(true);
            }
          }
          return load.reached.get() > reachedBefore;
        });
        long localNodes = wentLocal.stream().filter(AtomicBoolean::get).count();
        long firstCallMillis = millisSince(injected);
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.getState() == State.CLOSED));
        long closedMillis = millisSince(injected);
        List<String> linesDuringStorm = lines(logs, prefix);
        admin.stopRepeating();
        String flushes = admin.run("INFO", "commandstats").toString().lines()
            .filter(line -> line.startsWith("cmdstat_script|flush:")).findFirst().orElse("?");
        long healed = System.nanoTime();
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.syncMode() == SyncMode.SHARED
            && b.sharedState() == State.CLOSED && b.getState() == State.CLOSED));
        long sharedMillis = millisSince(healed);

        assertThat(load.breakerExceptions).isEmpty();
        assertThat(fleet.meters.get("r4jredis.state.sync.failures").tag("kind", "noscript").counters()).isNotEmpty();
        assertThat(linesDuringStorm).hasSizeLessThanOrEqualTo(2 * NODES)
            .filteredOn(line -> line.contains("unreachable")).hasSizeLessThanOrEqualTo(NODES)
            .allSatisfy(line -> assertThat(line).containsAnyOf("refuses the work: NOSCRIPT", "no answer"));
        System.out.printf("FIGURE NOSCRIPT storm (%s): %d of %d nodes went LOCAL; the first call reached the"
            + " recovered dependency after %d ms, every node CLOSED after %d ms; %d log lines meanwhile; the storm"
            + " over, all SHARED and the fleet CLOSED in Redis %d ms later; 0 breaker exceptions%n", flushes,
            localNodes, NODES, firstCallMillis, closedMillis, linesDuringStorm.size(), sharedMillis);
      } finally {
        release(logs);
      }
    }
  }

  /**
   * Manual moves in a loop while Redis refuses the writes and the node, told to wait long before
   * going LOCAL, still counts as SHARED: at most a bounded chain of them waits for Redis, the rest
   * take effect on the node only and are counted; once Redis takes writes again the chain goes
   * through and the node follows the fleet.
   */
  @Test
  void stepsWaitingForARefusingRedisAreBounded(@KeyPrefix String prefix) {
    try (RedisServer redis = RedisServer.start();
        Admin admin = new Admin(redis);
        Fleet fleet = new Fleet(redis, 1, prefix, config(), b -> b.localModeAfter(Duration.ofSeconds(60)))) {
      RedisCircuitBreaker breaker = fleet.breakers("payments").get(0);
      FleetIT.awaitSeeded(List.of(breaker));
      long version = breaker.stateVersion();

      admin.run("CONFIG", "SET", "maxmemory", "1");
      int moves = 20_000;
      for (int i = 0; i < moves; i++) {
        if (i % 2 == 0) {
          breaker.transitionToForcedOpenState();
        } else {
          breaker.transitionToClosedState();
        }
      }
      long waiting = breaker.stateVersion() - version;
      double dropped = fleet.meters.get("r4jredis.state.steps.dropped").counter().count();
      assertThat(breaker.syncMode()).isEqualTo(SyncMode.SHARED);
      assertThat(waiting).isBetween(1L, 64L);
      assertThat(dropped).isGreaterThan(moves - 2_000);
      assertThat(breaker.getState()).isEqualTo(State.CLOSED); // the node's own last move

      admin.run("CONFIG", "SET", "maxmemory", "0");
      // Redis holds what the chain's last step made of it, and the node is there too.
      await().atMost(Fleet.AWAIT).until(() -> fleet.registries.get(0).sharedBreaker("payments")
          .map(shared -> shared.state() == breaker.getState() && shared.version() == breaker.stateVersion())
          .orElse(false));
      System.out.printf("FIGURE %d manual moves while Redis refused writes: %d steps waited, %.0f kept local"
          + " (r4jredis.state.steps.dropped); after Redis took writes again the node followed the fleet's %s%n",
          moves, waiting, dropped, breaker.sharedState());
    }
  }

  /** Seeds the fleet's breaker, opens it with the dependency down, and forgets the lines so far. */
  private static List<RedisCircuitBreaker> openTheFleet(Fleet fleet, Load load, ListAppender<ILoggingEvent> logs) {
    List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
    FleetIT.awaitSeeded(breakers);
    load.dependencyDown.set(true);
    await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
    synchronized (logs) {
      logs.list.clear();
    }
    return breakers;
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static ListAppender<ILoggingEvent> capture() {
    Logger logger = (Logger) LoggerFactory.getLogger(SyncEngine.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(SyncEngine.class)).detachAppender(appender);
  }

  /** The engine's lines at INFO and above about the registries under {@code prefix}. */
  private static List<String> lines(ListAppender<ILoggingEvent> appender, String prefix) {
    List<ILoggingEvent> events;
    synchronized (appender) { // appends hold the appender's lock
      events = List.copyOf(appender.list);
    }
    return events.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
        .map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains("'" + prefix + "'")).toList();
  }
}
