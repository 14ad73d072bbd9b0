package io.github.r4jredis.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisBinaryTest {

  @TempDir Path dir;

  @Test
  void prefersAnExplicitExecutable() throws IOException {
    Path explicit = executable(dir.resolve("my-redis"));

    assertThat(RedisBinary.resolve(explicit.toString(), null, "/nowhere")).isEqualTo(explicit);
    assertThat(RedisBinary.resolve(null, explicit.toString(), "/nowhere")).isEqualTo(explicit);
  }

  @Test
  void rejectsAnExplicitPathThatIsNotExecutable() throws IOException {
    Path plain = Files.writeString(dir.resolve("plain"), "", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> RedisBinary.resolve(plain.toString(), null, null))
        .isInstanceOf(RedisTestkitException.class)
        .hasMessage("redis-server named by -Dr4j.redis.server or R4J_REDIS_SERVER is not an executable file: " + plain);
  }

  @Test
  void findsRedisServerOnTheSearchPath() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path server = executable(bin.resolve("redis-server"));

    assertThat(RedisBinary.resolve(null, null, "/nowhere:" + bin)).isEqualTo(server);
  }

  @Test
  void fallsBackToTheEmbeddedRedis62BinaryWhenNoneIsOnThePath() throws Exception {
    Path embedded = RedisBinary.resolve(null, null, dir.toString());

    Process version = new ProcessBuilder(embedded.toString(), "--version").redirectErrorStream(true).start();
    String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(version.waitFor()).isZero();
    assertThat(output).startsWith("Redis server v=6.2");
  }

  /** One copy per machine, reused: embedded-redis's own extraction is deleted at once, not at exit. */
  @Test
  void theEmbeddedBinaryIsKeptOnceAndEmbeddedRedisLeavesNothingBehind() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    long before = embeddedRedisDirectories(tmp);

    Path first = RedisBinary.embedded();
    Path second = RedisBinary.embedded();

    assertThat(first).isEqualTo(second).startsWith(RedisBinary.CACHE).isExecutable();
    assertThat(embeddedRedisDirectories(tmp)).isEqualTo(before);
  }

  /** embedded-redis's temporary directories ({@code redis-<digits>}) holding a binary. */
  private static long embeddedRedisDirectories(Path tmp) throws IOException {
    try (var dirs = Files.list(tmp)) {
      return dirs.filter(d -> d.getFileName().toString().matches("redis-\\d+") && Files.isDirectory(d))
          .filter(d -> {
            try (var files = Files.list(d)) {
              return files.anyMatch(f -> f.getFileName().toString().startsWith("redis-server"));
            } catch (IOException e) {
              return false;
            }
          }).count();
    }
  }

  private static Path executable(Path path) throws IOException {
    Files.writeString(path, "#!/bin/sh\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }
}
