package io.github.r4jredis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

class RedisExtensionIT {

  @Test
  void attachesTheServerLogsToAFailingTestAndStillKillsItsServers() {
    Events tests = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(FailingWithADedicatedServer.class))
        .execute()
        .testEvents();

    tests.assertStatistics(stats -> stats.started(1).failed(1));
    Throwable failure = tests.failed().stream().findFirst().orElseThrow()
        .getPayload(TestExecutionResult.class).orElseThrow()
        .getThrowable().orElseThrow();
    assertThat(failure).hasMessage("boom");
    assertThat(Arrays.stream(failure.getSuppressed()).map(Throwable::getMessage))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("Logs of the Redis servers of this test")
        .contains("redis@127.0.0.1:" + FailingWithADedicatedServer.server.port())
        .contains("Ready to accept connections");
    assertThat(FailingWithADedicatedServer.server.isAlive()).isFalse();
  }

  /** Run only through the engine above; a nested class is not picked up by failsafe itself. */
  @RedisTest
  static class FailingWithADedicatedServer {
    static RedisServer server;

    @Test
    void fails(@Dedicated RedisServer redis) {
      server = redis;
      fail("boom");
    }
  }
}
