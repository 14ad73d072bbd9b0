package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.redisson.client.protocol.RedisStrictCommand;
import org.redisson.client.protocol.decoder.ObjectListReplayDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@code redis-server} on a wall clock that is off: {@code clockshift.c}, compiled once
 * per JVM with the system's C compiler ({@code cc}) and preloaded into the server. Linux only.
 */
public final class ClockShift {

  private static final Logger LOG = LoggerFactory.getLogger(ClockShift.class);
  private static final String SOURCE = "clockshift.c";
  private static final Duration PROBE_OFFSET = Duration.ofHours(1);
  private static @Nullable Path library;
  private static @Nullable Boolean available;

  private ClockShift() {}

  /**
   * The environment that starts a server with its wall clock moved by {@code offset}.
   *
   * @throws RedisTestkitException when the library cannot be built (no C compiler, not Linux)
   */
  public static Map<String, String> environment(Duration offset) {
    return Map.of("LD_PRELOAD", library().toString(), "R4J_CLOCK_SHIFT_MS", Long.toString(offset.toMillis()));
  }

  /**
   * Whether servers can run with a clock offset here: Linux, a C compiler, and a redis-server
   * the library takes hold of (not a statically linked one). Found out once, by starting one.
   */
  public static synchronized boolean available() {
    if (available == null) {
      try {
        ManagedRedisServer probe = ManagedRedisServer.start("clockshift-probe",
            new ServerSpec(false, null, Duration.ofSeconds(10), List.of())::arguments,
            null, Duration.ofSeconds(10), false, environment(PROBE_OFFSET));
        try {
          List<Object> time = Admin.call(probe.host(), probe.port(), null, Duration.ofSeconds(2),
              new RedisStrictCommand<List<Object>>("TIME", new ObjectListReplayDecoder<>()));
          long offset = Long.parseLong(time.get(0).toString()) * 1000L
              + Long.parseLong(time.get(1).toString()) / 1000 - System.currentTimeMillis();
          available = Math.abs(offset - PROBE_OFFSET.toMillis()) < 60_000;
          if (!available) {
            LOG.info("No clock offsets here: {} ignores the preloaded library", RedisBinary.path());
          }
        } finally {
          probe.close();
        }
      } catch (RedisTestkitException e) {
        LOG.info("No clock offsets here: {}", e.getMessage());
        available = false;
      }
    }
    return available;
  }

  private static synchronized Path library() {
    if (library != null) {
      return library;
    }
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      throw new RedisTestkitException("A server with a clock offset needs Linux (LD_PRELOAD)");
    }
    try {
      Path dir = Files.createTempDirectory("r4j-clockshift");
      Path source = dir.resolve(SOURCE);
      try (InputStream in = ClockShift.class.getResourceAsStream(SOURCE)) {
        if (in == null) {
          throw new RedisTestkitException(SOURCE + " is missing from the testkit's resources");
        }
        Files.copy(in, source);
      }
      Path built = dir.resolve("libr4jclockshift.so");
      Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O2", "-o", built.toString(), source.toString())
          .redirectErrorStream(true).start();
      String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
        throw new RedisTestkitException("cc could not build " + SOURCE + ": " + output);
      }
      built.toFile().deleteOnExit();
      source.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      library = built;
      return built;
    } catch (IOException e) {
      throw new RedisTestkitException("A server with a clock offset needs a C compiler (cc) on PATH", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisTestkitException("Interrupted while building " + SOURCE, e);
    }
  }
}
