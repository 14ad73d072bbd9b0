package io.github.r4jredis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

@RedisTest
class R4jCliIT {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return R4jCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void pingAnswersWithTheAddressItReached(RedisServer redis) {
    int code = run("ping", "--url", redis.address());

    assertThat(code).isEqualTo(R4jCli.OK);
    assertThat(out.toString()).isEqualTo("PONG from " + redis.address() + System.lineSeparator());
  }

  @Test
  void pingOfAKilledServerExitsWithTheUnreachableCode(@Dedicated RedisServer redis) {
    redis.kill();

    int code = run("ping", "--url", redis.address());

    assertThat(code).isEqualTo(R4jCli.UNREACHABLE);
    assertThat(err.toString()).startsWith("r4j: cannot reach Redis at " + redis.address() + ": ");
  }

  @Test
  void badUrlIsAUsageErrorThatNeverEchoesThePassword() {
    int code = run("ping", "--url", "http://admin:hunter2@cache:6379");

    assertThat(code).isEqualTo(R4jCli.USAGE);
    assertThat(err.toString())
        .contains("--url must be redis://host:port or rediss://host:port, was 'http://***@cache:6379'")
        .doesNotContain("hunter2");
  }
}
