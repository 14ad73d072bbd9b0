package io.github.r4jredis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ConnectionOptionsTest {

  @Command(name = "probe")
  static final class Probe {
    @Mixin ConnectionOptions connection;
  }

  private static ConnectionOptions parse(String... args) {
    Probe probe = new Probe();
    new CommandLine(probe).parseArgs(args);
    return probe.connection;
  }

  @Test
  void credentialsInTheUrlReachRedissonButNeverToString() {
    ConnectionOptions options = parse("--url", "redis://ops:s3cret@cache.internal:6380");
    Config config = options.toRedissonConfig();

    assertThat(options.address()).isEqualTo("redis://cache.internal:6380");
    assertThat(config.useSingleServer().getAddress()).isEqualTo("redis://cache.internal:6380");
    assertThat(options.toString()).doesNotContain("s3cret").contains("redis://***@cache.internal:6380");
  }

  @Test
  void tlsFlagSwitchesTheSchemeAndThePortDefaults() {
    assertThat(parse("--url", "redis://cache", "--tls").address()).isEqualTo("rediss://cache:6379");
    assertThat(parse("--url", "rediss://cache:7000").address()).isEqualTo("rediss://cache:7000");
  }

  @Test
  void keyPrefixDefaultsToR4j() {
    assertThat(parse().keyPrefix()).isEqualTo("r4j");
    assertThat(parse("--key-prefix", "orders").keyPrefix()).isEqualTo("orders");
  }
}
