package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * Finds the {@code redis-server} executable: an explicit path, then {@code PATH}, then the
 * Redis 6.2 binary that {@code com.github.codemonstur:embedded-redis} ships for this platform.
 */
public final class RedisBinary {

  /** System property naming an explicit redis-server executable. */
  public static final String PROPERTY = "r4j.redis.server";

  /** Environment variable naming an explicit redis-server executable. */
  public static final String ENVIRONMENT = "R4J_REDIS_SERVER";

  private static final Logger LOG = LoggerFactory.getLogger(RedisBinary.class);

  private static volatile @Nullable Path resolved;

  private RedisBinary() {}

  /** The executable to start, resolved once per JVM. */
  public static Path path() {
    Path path = resolved;
    if (path == null) {
      synchronized (RedisBinary.class) {
        path = resolved;
        if (path == null) {
          path =
              resolve(System.getProperty(PROPERTY), System.getenv(ENVIRONMENT), System.getenv("PATH"));
          LOG.info("Using redis-server {}", path);
          resolved = path;
        }
      }
    }
    return path;
  }

  static Path resolve(
      @Nullable String property,
      @Nullable String environment,
      @Nullable String searchPath) {
    for (String explicit : new String[] {property, environment}) {
      if (explicit != null && !explicit.isBlank()) {
        Path path = Path.of(explicit);
        if (!Files.isExecutable(path)) {
          throw new RedisTestkitException(
              "redis-server named by -D" + PROPERTY + " or " + ENVIRONMENT
                  + " is not an executable file: " + explicit);
        }
        return path;
      }
    }
    return onSearchPath(searchPath).orElseGet(RedisBinary::embedded);
  }

  static Optional<Path> onSearchPath(@Nullable String searchPath) {
    if (searchPath == null) {
      return Optional.empty();
    }
    for (String dir : searchPath.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Where the embedded binary is kept: one copy per machine and version, reused by every JVM.
   * embedded-redis extracts it to a new temporary directory per JVM, removed at exit; a JVM that
   * is killed (a fault test's node, a forked test JVM that timed out) left 9.7 MB behind each time.
   */
  static final Path CACHE = Path.of(System.getProperty("java.io.tmpdir"), "r4j-redis-testkit", "bin");

  /** The copy of {@code extracted} in {@link #CACHE}, made (atomically, so JVMs may race) when missing or different. */
  private static Path cache(Path extracted) throws IOException {
    Path cached = CACHE.resolve(extracted.getFileName());
    if (Files.isExecutable(cached) && Files.size(cached) == Files.size(extracted)) {
      return cached;
    }
    Files.createDirectories(CACHE);
    Path copy = Files.createTempFile(CACHE, extracted.getFileName().toString(), ".tmp");
    try {
      Files.copy(extracted, copy, StandardCopyOption.REPLACE_EXISTING);
      if (!copy.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + copy + " executable");
      }
      Files.move(copy, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(copy);
    }
    return cached;
  }

  /** The redis-server embedded-redis ships (Redis 6.2: no TLS, no sharded pub/sub), in {@link #CACHE}. */
  public static Path embedded() {
    try {
      File extracted = ExecutableProvider.newJarResourceProvider().get();
      try {
        return cache(extracted.toPath());
      } finally {
        Files.deleteIfExists(extracted.toPath());
        Files.deleteIfExists(extracted.toPath().getParent()); // embedded-redis's own temporary directory
      }
    } catch (IOException | RuntimeException e) {
      throw new RedisTestkitException(
          "No redis-server on PATH and embedded-redis has no binary for "
              + System.getProperty("os.name").toLowerCase(Locale.ROOT) + "/"
              + System.getProperty("os.arch")
              + "; install Redis or set -D" + PROPERTY + "=/path/to/redis-server",
          e);
    }
  }
}
