package io.github.r4jredis.samples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The README's Quick start is this module's {@link QuickStart}, character for character, and it
 * runs: against a Redis, and with no Redis at all.
 */
class QuickStartIT {

  private static final Path SOURCE =
      Path.of("src/main/java/io/github/r4jredis/samples/quickstart/QuickStart.java");
  private static final Path README = Path.of("../../README.md");

  @Test
  void theReadmeShowsThisProgramWholeAfterItsPackageLine() throws IOException {
    String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
    String program = source.substring(source.indexOf("import "));

    assertThat(Files.readString(README, StandardCharsets.UTF_8)).contains("```java\n" + program + "```\n");
  }

  @Test
  void itOpensTheBreakerForTheWholeFleetThroughRedis() {
    try (RedisServer redis = RedisServer.start()) {
      List<String> lines = run(redis.address());

      assertThat(lines).startsWith("call 1: failed, calcom is down")
          .contains("call 10: failed, calcom is down", "call 11: not permitted, calcom is OPEN")
          .endsWith("sync mode SHARED, fleet window 10 failed of 10");
      RedissonClient redisson = redis.newRedisson();
      try (RedisCircuitBreakerRegistry operator =
          RedisCircuitBreakerRegistry.builder(redisson).keyPrefix("quickstart").build()) {
        assertThat(operator.sharedBreakers()).extracting(SharedBreakerState::name, SharedBreakerState::state)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("calcom", State.OPEN));
      } finally {
        redisson.shutdown();
      }
    }
  }

  @Test
  void itStartsAndRunsWithNoRedisAtAll() throws IOException {
    int nobody;
    try (ServerSocket socket = new ServerSocket(0)) {
      nobody = socket.getLocalPort();
    }

    List<String> lines = run("redis://127.0.0.1:" + nobody);

    assertThat(lines).startsWith("call 1: failed, calcom is down")
        .contains("call 10: failed, calcom is down", "call 11: not permitted, calcom is OPEN");
    // LOCAL once Redis has been silent for localModeAfter (500 ms), which a fast run may not reach
    assertThat(lines.get(lines.size() - 1)).matches("sync mode (SHARED|LOCAL), fleet window 10 failed of 10");
  }

  /** Runs the program's {@code main} and returns the lines it printed (not the log's). */
  private static List<String> run(String url) {
    PrintStream console = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      QuickStart.main(new String[] {url});
    } finally {
      System.setOut(console);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    console.print(text);
    return text.lines().filter(line -> line.startsWith("call ") || line.startsWith("sync mode ")).toList();
  }
}
