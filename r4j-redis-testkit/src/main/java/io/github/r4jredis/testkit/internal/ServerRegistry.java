package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Redis process this JVM started, so none outlives it.
 *
 * <p>Three nets: a test's own {@code close()}; a shutdown hook that SIGKILLs whatever is still
 * alive when the JVM exits; and, for a JVM that was itself SIGKILLed (no hook runs), an orphan
 * sweep at the next start that kills the processes recorded under a dead JVM's directory.
 * Each JVM keeps its servers under {@code <tmp>/r4j-redis-testkit/jvm-<pid>/}, with a
 * {@code redis.pid} file per server.
 *
 * <p>Thread-safe: the list of servers is guarded by {@code this} class's monitor.
 */
public final class ServerRegistry {

  /** The file, inside each server's directory, that records the process id. */
  public static final String PID_FILE = "redis.pid";

  private static final Logger LOG = LoggerFactory.getLogger(ServerRegistry.class);
  private static final Path ROOT =
      Path.of(System.getProperty("java.io.tmpdir"), "r4j-redis-testkit");
  private static final String JVM_DIR_PREFIX = "jvm-";

  // Guarded by ServerRegistry.class.
  private static final List<ManagedRedisServer> SERVERS = new ArrayList<>();
  private static Path jvmDir;

  private ServerRegistry() {}

  /** A fresh directory for one server of this JVM. */
  static synchronized Path newServerDirectory(String role) {
    if (jvmDir == null) {
      int reaped = reapOrphans(ROOT);
      if (reaped > 0) {
        LOG.warn("Killed {} redis-server processes left behind by JVMs that died", reaped);
      }
      jvmDir = ROOT.resolve(JVM_DIR_PREFIX + ProcessHandle.current().pid());
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ServerRegistry::shutdown, "r4j-testkit-shutdown"));
    }
    try {
      Files.createDirectories(jvmDir);
      return Files.createTempDirectory(jvmDir, role + "-");
    } catch (IOException e) {
      throw new RedisTestkitException("Cannot create a directory under " + jvmDir, e);
    }
  }

  static synchronized void register(ManagedRedisServer server) {
    SERVERS.add(server);
  }

  /** How many servers this JVM has started so far; a marker for {@link #startedSince}. */
  public static synchronized int sequence() {
    return SERVERS.size();
  }

  /** The servers started after {@code sequence} was read, in start order. */
  public static synchronized List<ManagedRedisServer> startedSince(int sequence) {
    return List.copyOf(SERVERS.subList(Math.min(sequence, SERVERS.size()), SERVERS.size()));
  }

  private static void shutdown() {
    List<ManagedRedisServer> servers;
    synchronized (ServerRegistry.class) {
      servers = List.copyOf(SERVERS);
    }
    servers.forEach(ManagedRedisServer::close);
    if (jvmDir != null) {
      deleteRecursively(jvmDir);
    }
  }

  /**
   * Kills the redis-server processes recorded under directories of JVMs that are no longer
   * alive, and deletes those directories.
   *
   * @return how many processes were killed
   */
  public static int reapOrphans(Path root) {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    int killed = 0;
    try (Stream<Path> jvms = Files.list(root)) {
      for (Path dir : jvms.toList()) {
        Optional<Long> owner = ownerPid(dir);
        if (owner.isEmpty() || ProcessHandle.of(owner.get()).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        killed += killRecordedProcesses(dir);
        deleteRecursively(dir);
      }
    } catch (IOException e) {
      LOG.warn("Could not sweep {} for orphaned redis-server processes", root, e);
    }
    return killed;
  }

  private static Optional<Long> ownerPid(Path dir) {
    String name = dir.getFileName().toString();
    if (!name.startsWith(JVM_DIR_PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(name.substring(JVM_DIR_PREFIX.length())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static int killRecordedProcesses(Path jvmDirectory) throws IOException {
    int killed = 0;
    try (Stream<Path> files = Files.walk(jvmDirectory)) {
      for (Path pidFile : files.filter(p -> p.getFileName().toString().equals(PID_FILE)).toList()) {
        Optional<ProcessHandle> process = recordedProcess(pidFile);
        if (process.isPresent()) {
          process.get().destroyForcibly();
          killed++;
        }
      }
    }
    return killed;
  }

  /**
   * Writes the file the orphan sweep reads: the pid and the start time, so that a pid reused by
   * an unrelated process is never killed.
   */
  static void recordPid(Path dir, Process process) throws IOException {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    Files.writeString(
        dir.resolve(PID_FILE), process.pid() + " " + started, StandardCharsets.US_ASCII);
  }

  private static Optional<ProcessHandle> recordedProcess(Path pidFile) throws IOException {
    String[] fields = Files.readString(pidFile, StandardCharsets.US_ASCII).trim().split(" ");
    try {
      long pid = Long.parseLong(fields[0]);
      long started = Long.parseLong(fields[1]);
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-2L) == started);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      LOG.warn("Ignoring unreadable pid file {}", pidFile);
      return Optional.empty();
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ServerRegistry::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("Could not delete {}", dir, e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.debug("Could not delete {}", path, e);
    }
  }
}
