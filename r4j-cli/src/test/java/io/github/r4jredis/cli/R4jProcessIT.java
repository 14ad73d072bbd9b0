package io.github.r4jredis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.github.r4jredis.testkit.RedisServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar r4j.jar} as an operator runs it, in a process of its own: what reaches stdout
 * and stderr, including the log of Redisson and netty, and how {@code --password} reads.
 *
 * <p>Without a terminal the CLI is started under {@code setsid} (no controlling terminal, as in
 * cron or CI, whatever terminal runs the build); with one, under {@code script}, which gives it a
 * pseudo-terminal. Both come with util-linux on every Linux.
 */
class R4jProcessIT {

  private static final Path JAR = Path.of("target/r4j.jar");
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final String PASSWORD = "the-right-one";

  @BeforeAll
  static void theJarIsBuilt() {
    assertThat(JAR).as("mvn package builds it before the integration tests").exists();
  }

  /** A finished run of the CLI. */
  private record Run(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  /** Whether {@code tool} is on the PATH; the tests that need it skip, saying so, without. */
  private static void assumeOnPath(String tool) {
    boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    assumeTrue(found, tool + " is not on the PATH (util-linux): .ci/run installs it");
  }

  private static List<String> java(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** Runs the CLI with no controlling terminal, {@code input} on its stdin. */
  private static Run withoutTerminal(String input, String... args) throws Exception {
    assumeOnPath("setsid");
    List<String> command = new ArrayList<>(List.of("setsid", "--wait"));
    command.addAll(java(args));
    Process process = new ProcessBuilder(command).start();
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(process.waitFor(AWAIT.toSeconds(), TimeUnit.SECONDS)).as("the CLI ends").isTrue();
    return new Run(process.exitValue(), out.get(), err.get());
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  @Test
  void anHttpPortIsOneLineAndNoLogUnlessVerbose() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.start();
    try {
      String url = "redis://127.0.0.1:" + http.getAddress().getPort();

      Run quiet = withoutTerminal("", "status", "--url", url);
      assertThat(quiet.code()).isEqualTo(R4jCli.UNREACHABLE);
      assertThat(quiet.out()).isEmpty();
      assertThat(quiet.errLines()).singleElement().asString()
          .startsWith("r4j: cannot reach Redis at " + url + ": the server does not speak Redis's protocol");

      Run verbose = withoutTerminal("", "status", "--verbose", "--url", url);
      assertThat(verbose.code()).isEqualTo(R4jCli.UNREACHABLE);
      assertThat(verbose.errLines()).hasSizeGreaterThan(1).anyMatch(line -> line.contains("Unable to decode data"))
          .last().asString().startsWith("r4j: cannot reach Redis at " + url);
    } finally {
      http.stop(0);
    }
  }

  /** Once, 3 runs in 10 printed netty's "Failed to submit a listener notification task" and 50 lines. */
  @Test
  void anUnknownBreakerIsOneLineRunAfterRun() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      for (int i = 0; i < 5; i++) {
        Run run = withoutTerminal("", "reset", "nope", "--yes", "--url", redis.address());

        assertThat(run.code()).isEqualTo(R4jCli.NOT_FOUND);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly("r4j: no circuit breaker named 'nope' under prefix 'r4j'");
      }
    }
  }

  @Test
  void withoutATerminalThePasswordIsTheFirstLineOfStdinAndStdoutIsTheAnswerAlone() throws Exception {
    try (RedisServer redis = RedisServer.builder().password(PASSWORD).start()) {
      Run run = withoutTerminal(PASSWORD + "\n", "status", "--password", "--json", "--url", redis.address());

      assertThat(run.code()).as(run.err()).isEqualTo(R4jCli.OK);
      assertThat(new ObjectMapper().readTree(run.out()).isArray()).isTrue();
      assertThat(run.out().strip()).isEqualTo("[ ]");
      assertThat(run.err()).isEmpty();
    }
  }

  /**
   * The case: a person types the password while stdout goes into a pipe or a file. The
   * prompt is on the terminal, what they type is not echoed there, and the file holds JSON alone.
   */
  @Test
  void onATerminalWithStdoutRedirectedThePromptIsOnTheTerminalAndNothingIsEchoed(@TempDir Path dir) throws Exception {
    assumeOnPath("script");
    try (RedisServer redis = RedisServer.builder().password(PASSWORD).start()) {
      Path json = dir.resolve("status.json");
      String inner = String.join(" ", java("status", "--password", "--json", "--url", redis.address()))
          + " > " + json;
      Process script = new ProcessBuilder("script", "--quiet", "--return", "--command", inner, "/dev/null")
          .redirectErrorStream(true).start();
      StringBuffer terminal = new StringBuffer();
      CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
        try (InputStream screen = script.getInputStream()) {
          byte[] buffer = new byte[1024];
          for (int n; (n = screen.read(buffer)) > 0; ) {
            terminal.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      OutputStream keyboard = script.getOutputStream();
      await().atMost(AWAIT).until(() -> terminal.toString().contains("Redis password: "));
      keyboard.write((PASSWORD + "\r").getBytes(StandardCharsets.UTF_8));
      keyboard.flush();

      assertThat(script.waitFor(AWAIT.toSeconds(), TimeUnit.SECONDS)).as(terminal.toString()).isTrue();
      keyboard.close();
      reader.get();
      assertThat(script.exitValue()).as(terminal.toString()).isEqualTo(R4jCli.OK);
      assertThat(terminal.toString()).contains("Redis password: ").doesNotContain(PASSWORD);
      assertThat(Files.readString(json).strip()).isEqualTo("[ ]");
    }
  }
}
