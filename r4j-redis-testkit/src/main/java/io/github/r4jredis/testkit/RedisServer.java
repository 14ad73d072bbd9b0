package io.github.r4jredis.testkit;

import io.github.r4jredis.testkit.internal.ClockShift;
import io.github.r4jredis.testkit.internal.ContainerSupport;
import io.github.r4jredis.testkit.internal.ExternalRedisServer;
import io.github.r4jredis.testkit.internal.ManagedRedisServer;
import io.github.r4jredis.testkit.internal.ServerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A real Redis server for a test: a throwaway {@code redis-server} child process, a Testcontainers
 * container, or the server {@code REDIS_URL} names.
 *
 * <p>Managed servers (processes and containers this testkit started) can be killed, paused,
 * resumed and restarted on the same port, which is what fault tests need. The server that
 * {@code REDIS_URL} names is shared with others, so it refuses every control with an
 * {@link UnsupportedOperationException}; ask for a dedicated server instead
 * ({@link #start()} or {@link Dedicated @Dedicated}).
 *
 * <p>Thread-safe. {@link #close()} is idempotent; a managed server not closed by its test is
 * killed when the JVM exits, and one whose JVM was killed is reaped when the next testkit JVM
 * starts a server.
 */
public interface RedisServer extends AutoCloseable {

  /** Environment variable (also read as a system property) naming an existing server. */
  String REDIS_URL = "REDIS_URL";

  /** System property that asks for Testcontainers instead of a child process. */
  String TESTCONTAINERS_PROPERTY = "r4j.redis.testcontainers";

  /** Starts a throwaway server with default settings (no persistence, no password). */
  static RedisServer start() {
    return builder().start();
  }

  /**
   * Whether servers can be started with a {@linkplain Builder#clockOffset clock offset} on this
   * machine: Linux with a C compiler ({@code cc}). Tests that need one skip without it.
   */
  static boolean canShiftClocks() {
    return ClockShift.available();
  }

  /** A builder for a throwaway server. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * The server {@code REDIS_URL} names (environment variable or system property) when set,
   * otherwise a new throwaway server.
   *
   * @throws IllegalArgumentException when {@code REDIS_URL} is not a {@code redis://} or
   *     {@code rediss://} URL with a host
   */
  static RedisServer fromEnvironment() {
    String url = System.getProperty(REDIS_URL, System.getenv(REDIS_URL));
    if (url != null && !url.isBlank()) {
      return ExternalRedisServer.parse(url);
    }
    return start();
  }

  /** Host name or IP address to connect to. */
  String host();

  /** TCP port to connect to. */
  int port();

  /** Address without credentials, as Redisson's {@code setAddress} takes it: {@code redis://host:port}. */
  default String address() {
    return "redis://" + host() + ":" + port();
  }

  /** ACL user name, or {@code null} for the default user. */
  @Nullable String username();

  /** Password, or {@code null} when the server asks for none. */
  @Nullable String password();

  /**
   * A new Redisson client of this server, set up for tests: 1 s timeouts, one retry, two
   * threads, and lazy connection, so it can be made while the server is down and reconnects when
   * it comes back. The caller closes it with {@code shutdown()}.
   */
  default RedissonClient newRedisson() {
    return newRedisson(config -> { });
  }

  /**
   * Like {@link #newRedisson()}, with {@code customizer} applied to the configuration last (to
   * share an event loop group between many clients, say).
   */
  default RedissonClient newRedisson(Consumer<Config> customizer) {
    Config config = new Config();
    config.useSingleServer()
        .setAddress(address())
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(4)
        .setSubscriptionConnectionMinimumIdleSize(1)
        .setSubscriptionConnectionPoolSize(2)
        .setTimeout(1000)
        .setConnectTimeout(1000)
        .setRetryAttempts(1);
    if (username() != null) {
      config.setUsername(username());
    }
    if (password() != null) {
      config.setPassword(password());
    }
    config.setLazyInitialization(true);
    config.setThreads(2);
    config.setNettyThreads(2);
    customizer.accept(config);
    return Redisson.create(config);
  }

  /**
   * The server's clock now (Redis {@code TIME}, ms), read through a client of its own: a server
   * {@linkplain Builder#clockOffset started off this machine's time} answers its own.
   */
  default long timeMillis() {
    RedissonClient client = newRedisson();
    try {
      org.redisson.client.protocol.Time time =
          client.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance().time();
      return time.getSeconds() * 1000L + time.getMicroseconds() / 1000;
    } finally {
      client.shutdown();
    }
  }

  /** Whether this testkit owns the server and may kill, pause and restart it. */
  boolean isManaged();

  /** Whether the server process is alive (a paused process is alive). */
  boolean isAlive();

  /** Whether the server is paused by {@link #pause()}. */
  boolean isPaused();

  /**
   * Kills the server with SIGKILL: no shutdown, no AOF flush, open connections reset.
   *
   * @throws IllegalStateException when the server is already stopped or closed
   * @throws UnsupportedOperationException when the server is not {@linkplain #isManaged managed}
   */
  void kill();

  /**
   * Freezes the server with SIGSTOP: connections stay open and commands time out.
   *
   * @throws IllegalStateException unless the server is running
   * @throws UnsupportedOperationException when the server is not {@linkplain #isManaged managed}
   */
  void pause();

  /**
   * Unfreezes a paused server with SIGCONT; queued commands are then answered.
   *
   * @throws IllegalStateException unless the server is paused
   * @throws UnsupportedOperationException when the server is not {@linkplain #isManaged managed}
   */
  void resume();

  /**
   * Stops the server (SIGTERM, so an AOF is flushed) if it is alive, starts it again on the same
   * port and waits until it answers PING. Data survives when the server was built with
   * {@link Builder#appendOnly(boolean) appendOnly(true)}.
   *
   * @throws IllegalStateException when the server is closed
   * @throws UnsupportedOperationException when the server is not {@linkplain #isManaged managed}
   */
  void restart();

  /**
   * Like {@link #restart()}, but deletes every data file first: the server comes back empty.
   *
   * @throws IllegalStateException when the server is closed
   * @throws UnsupportedOperationException when the server is not {@linkplain #isManaged managed}
   */
  void restartEmpty();

  /** The last {@code lines} lines of the server's log, for failure reports. */
  String logTail(int lines);

  /** Kills a managed server and forgets it; does nothing for an external one. Idempotent. */
  @Override
  void close();

  /**
   * Settings of a throwaway server. Not thread-safe; {@link #start()} may be called more than
   * once, each call starting another server.
   */
  final class Builder {

    /** Default time a server has to answer PING after it is started. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(20);

    private boolean appendOnly;
    private @Nullable String password;
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private Duration clockOffset = Duration.ZERO;
    private final List<String> arguments = new ArrayList<>();

    Builder() {}

    /**
     * Keeps data in an append-only file fsynced on every write ({@code appendfsync always}), so
     * that {@link RedisServer#restart()} brings back every acknowledged write, even after
     * {@link RedisServer#kill()}. Default {@code false}: the server keeps nothing on disk.
     */
    public Builder appendOnly(boolean appendOnly) {
      this.appendOnly = appendOnly;
      return this;
    }

    /** Requires this password ({@code requirepass}). Default: none. */
    public Builder password(String password) {
      Objects.requireNonNull(password, "password");
      if (password.isEmpty()) {
        throw new IllegalArgumentException("password must not be empty");
      }
      this.password = password;
      return this;
    }

    /**
     * Adds a configuration directive as {@code redis-server} takes it on its command line, for
     * example {@code argument("maxmemory", "10mb")}.
     */
    public Builder argument(String name, String... values) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || name.startsWith("-")) {
        throw new IllegalArgumentException("argument name must be a bare directive, was '" + name + "'");
      }
      arguments.add("--" + name);
      arguments.addAll(List.of(values));
      return this;
    }

    /**
     * Runs the server on a wall clock off by {@code offset} (its {@code TIME}, and every date it
     * keeps; not the monotonic clock it measures timeouts with): a server whose clock is wrong, as
     * a failover can bring. Always a child process, on Linux, built the first time with the
     * system's C compiler ({@code cc}). Default zero.
     */
    public Builder clockOffset(Duration offset) {
      this.clockOffset = Objects.requireNonNull(offset, "offset");
      return this;
    }

    /** How long the server may take to answer PING after a start. Default 20 s. */
    public Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout");
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * Starts the server: a Testcontainers {@code redis} container when
     * {@code -Dr4j.redis.testcontainers=true} and a Docker engine answers, otherwise a
     * {@code redis-server} child process.
     *
     * @throws RedisTestkitException when no server could be started (with a clock offset: also
     *     when the preloaded library cannot be built)
     */
    public RedisServer start() {
      ServerSpec spec = new ServerSpec(appendOnly, password, startTimeout, arguments);
      if (!clockOffset.isZero()) {
        return ManagedRedisServer.start("redis", spec::arguments, spec.password(), spec.startTimeout(), false,
            ClockShift.environment(clockOffset));
      }
      if (Boolean.getBoolean(TESTCONTAINERS_PROPERTY)) {
        RedisServer container = ContainerSupport.startIfDockerAvailable(spec);
        if (container != null) {
          return container;
        }
      }
      return ManagedRedisServer.start(
          "redis", spec::arguments, spec.password(), spec.startTimeout(), false);
    }
  }
}
