package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code redis-server} child process owned by this JVM, bound to 127.0.0.1 on a port that
 * stays the same across restarts.
 *
 * <p>Thread-safe: every control method is {@code synchronized}; {@code process} and
 * {@code state} are guarded by {@code this}.
 */
public final class ManagedRedisServer implements RedisServer {

  /** Builds the command-line arguments for a port and a working directory. */
  @FunctionalInterface
  public interface Launch {
    /** May write files into {@code dir} (a sentinel's config file, say). */
    List<String> arguments(int port, Path dir) throws IOException;
  }

  private enum State {
    RUNNING,
    PAUSED,
    STOPPED,
    CLOSED
  }

  static final String HOST = "127.0.0.1";
  private static final String LOG_FILE = "redis.log";
  private static final int PORT_ATTEMPTS = 8;
  private static final Duration PING_TIMEOUT = Duration.ofMillis(500);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(ManagedRedisServer.class);

  private final String role;
  private final Path dir;
  private final @Nullable String password;
  private final Duration startTimeout;
  private final int port;
  private final List<String> command;
  private final Map<String, String> environment;

  // Guarded by this.
  private Process process;
  private State state;

  private ManagedRedisServer(
      String role,
      Path dir,
      @Nullable String password,
      Duration startTimeout,
      int port,
      List<String> command,
      Map<String, String> environment,
      Process process) {
    this.role = role;
    this.dir = dir;
    this.password = password;
    this.startTimeout = startTimeout;
    this.port = port;
    this.command = command;
    this.environment = environment;
    this.process = process;
    this.state = State.RUNNING;
  }

  /**
   * Starts a server on a free port and waits until it answers PING.
   *
   * @param role a short name for directories and logs ({@code redis}, {@code cluster-0} ...)
   * @param needsBusPort whether {@code port + 10000} must be free too (Redis Cluster)
   */
  public static ManagedRedisServer start(
      String role,
      Launch launch,
      @Nullable String password,
      Duration startTimeout,
      boolean needsBusPort) {
    return start(role, launch, password, startTimeout, needsBusPort, Map.of());
  }

  /**
   * As {@link #start(String, Launch, String, Duration, boolean)}, the process (and every restart
   * of it) with {@code environment} added to this JVM's.
   */
  public static ManagedRedisServer start(
      String role,
      Launch launch,
      @Nullable String password,
      Duration startTimeout,
      boolean needsBusPort,
      Map<String, String> environment) {
    return start(role, launch, password, startTimeout, needsBusPort, environment, RedisBinary.path());
  }

  /** As {@link #start(String, Launch, String, Duration, boolean, Map)}, with {@code binary} as the server. */
  public static ManagedRedisServer start(
      String role,
      Launch launch,
      @Nullable String password,
      Duration startTimeout,
      boolean needsBusPort,
      Map<String, String> environment,
      Path binary) {
    RedisTestkitException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      Path dir = ServerRegistry.newServerDirectory(role);
      int port = FreePorts.pick(needsBusPort);
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      try {
        command.addAll(launch.arguments(port, dir));
      } catch (IOException e) {
        throw new RedisTestkitException("Cannot prepare " + role + " in " + dir, e);
      }
      Process process = spawn(command, environment, dir, role);
      ManagedRedisServer server =
          new ManagedRedisServer(role, dir, password, startTimeout, port, command, environment, process);
      ServerRegistry.register(server);
      try {
        server.awaitReady();
        LOG.debug("Started {} on port {} (pid {})", role, port, process.pid());
        return server;
      } catch (RedisTestkitException e) {
        server.close();
        if (!server.logTail(50).contains("Address already in use")) {
          throw e;
        }
        last = e; // Lost a race for the port with another process: take another one.
      }
    }
    throw new RedisTestkitException(
        "Could not bind " + role + " after " + PORT_ATTEMPTS + " ports", last);
  }

  private static Process spawn(List<String> command, Map<String, String> environment, Path dir, String role) {
    Path log = dir.resolve(LOG_FILE);
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(environment);
      Process process =
          builder
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      ServerRegistry.recordPid(dir, process);
      return process;
    } catch (IOException e) {
      throw new RedisTestkitException("Cannot start " + role + ": " + String.join(" ", command), e);
    }
  }

  private void awaitReady() {
    Poll.until(
        role + " on port " + port + " to answer PING",
        startTimeout,
        () -> {
          Process current;
          synchronized (this) {
            current = process;
          }
          if (!current.isAlive()) {
            throw new RedisTestkitException(
                role + " exited with code " + current.exitValue() + " before answering PING:\n"
                    + logTail(20));
          }
          return Admin.ping(HOST, port, password, PING_TIMEOUT);
        },
        () -> logTail(20));
  }

  @Override
  public String host() {
    return HOST;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public @Nullable String username() {
    return null;
  }

  @Override
  public @Nullable String password() {
    return password;
  }

  @Override
  public boolean isManaged() {
    return true;
  }

  /** A short name of what this process is: {@code redis}, {@code cluster-1}, {@code sentinel-0}. */
  public String role() {
    return role;
  }

  /** The operating-system process id of the current incarnation. */
  public synchronized long pid() {
    return process.pid();
  }

  @Override
  public synchronized boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public synchronized boolean isPaused() {
    return state == State.PAUSED;
  }

  @Override
  public synchronized void kill() {
    requireState(State.RUNNING, State.PAUSED);
    destroy(true);
    state = State.STOPPED;
  }

  @Override
  public synchronized void pause() {
    requireState(State.RUNNING);
    signal("STOP");
    state = State.PAUSED;
  }

  @Override
  public synchronized void resume() {
    requireState(State.PAUSED);
    signal("CONT");
    state = State.RUNNING;
  }

  @Override
  public void restart() {
    relaunch(false);
  }

  @Override
  public void restartEmpty() {
    relaunch(true);
  }

  private void relaunch(boolean wipeData) {
    synchronized (this) {
      requireState(State.RUNNING, State.PAUSED, State.STOPPED);
      if (state == State.PAUSED) {
        signal("CONT");
      }
      if (process.isAlive()) {
        destroy(false);
      }
      if (wipeData) {
        deleteDataFiles();
      }
      process = spawn(command, environment, dir, role);
      state = State.RUNNING;
    }
    awaitReady();
  }

  private void deleteDataFiles() {
    for (String name : List.of("dump.rdb", "appendonly.aof", "appendonlydir")) {
      ServerRegistry.deleteRecursively(dir.resolve(name));
    }
  }

  @Override
  public String logTail(int lines) {
    Path log = dir.resolve(LOG_FILE);
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + log + ": " + e.getMessage() + ")";
    }
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    if (process.isAlive()) {
      destroy(true);
    }
    state = State.CLOSED;
  }

  private void destroy(boolean forcibly) {
    if (forcibly) {
      process.destroyForcibly();
    } else {
      process.destroy(); // SIGTERM: redis-server flushes its AOF and exits.
    }
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void signal(String signal) {
    long pid = process.pid();
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      if (kill.waitFor() != 0) {
        throw new RedisTestkitException("kill -" + signal + " " + pid + " failed for " + role);
      }
    } catch (IOException e) {
      throw new RedisTestkitException("Cannot send SIG" + signal + " to " + role, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisTestkitException("Interrupted while signalling " + role, e);
    }
  }

  private void requireState(State... allowed) {
    for (State s : allowed) {
      if (state == s) {
        return;
      }
    }
    throw new IllegalStateException(
        role + " on port " + port + " is " + state + "; this needs one of " + List.of(allowed));
  }

  @Override
  public String toString() {
    return role + "@" + HOST + ":" + port;
  }
}
