package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

class RegistryBuilderTest {

  private RedissonClient lazy;

  @BeforeEach
  void lazyClient() {
    Config config = new Config();
    config.useSingleServer().setAddress("redis://127.0.0.1:1");
    config.setLazyInitialization(true);
    lazy = Redisson.create(config);
  }

  @AfterEach
  void shutdown() {
    lazy.shutdown();
  }

  private RedisCircuitBreakerRegistry.Builder builder() {
    return RedisCircuitBreakerRegistry.builder(lazy);
  }

  @Test
  void everySettingNamesItselfAndTheValueItRefuses() {
    assertThatThrownBy(() -> RedisCircuitBreakerRegistry.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("redisson");
    RedisCircuitBreakerRegistry.Builder builder = builder();
    assertThatThrownBy(() -> builder.keyPrefix("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyPrefix must be 1-64 of [A-Za-z0-9._-], was 'a b'");
    assertThatThrownBy(() -> builder.nodeId("node|1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodeId must be 1-100 of [A-Za-z0-9._:@-], was 'node|1'");
    assertThatThrownBy(() -> builder.syncInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("syncInterval must be in [PT0.001S, PT10S], was PT0S");
    assertThatThrownBy(() -> builder.commandTimeout(Duration.ofMinutes(1)))
        .hasMessage("commandTimeout must be in [PT0.01S, PT30S], was PT1M");
    assertThatThrownBy(() -> builder.localModeAfter(null))
        .isInstanceOf(NullPointerException.class).hasMessage("localModeAfter");
    assertThatThrownBy(() -> builder.trialLeaseDuration(Duration.ofMillis(5)))
        .hasMessage("trialLeaseDuration must be in [PT0.1S, PT10M], was PT0.005S");
    assertThatThrownBy(() -> builder.maxFlushDelay(Duration.ofSeconds(10)))
        .hasMessage("maxFlushDelay must be in [PT0S, PT9S], was PT10S");
    assertThatThrownBy(() -> builder.minimumReportingNodes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minimumReportingNodes must be at least 1, was 0");
    assertThatThrownBy(() -> builder.addCircuitBreakerConfig("default", io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.ofDefaults()))
        .hasMessage("configName 'default' is reserved; use withCircuitBreakerConfig for the default config");
  }

  @Test
  void buildRefusesATimeoutThatCannotFitBeforeLocalMode() {
    RedisCircuitBreakerRegistry.Builder builder = builder()
        .commandTimeout(Duration.ofSeconds(1))
        .localModeAfter(Duration.ofMillis(500));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("commandTimeout (PT1S) must be shorter than localModeAfter (PT0.5S)");
  }
}
