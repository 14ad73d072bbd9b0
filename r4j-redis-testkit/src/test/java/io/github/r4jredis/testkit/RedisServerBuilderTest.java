package io.github.r4jredis.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisServerBuilderTest {

  @Test
  void rejectsBadSettingsWithTheRuleAndTheValue() {
    assertThatThrownBy(() -> RedisServer.builder().password(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("password must not be empty");
    assertThatThrownBy(() -> RedisServer.builder().password(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("password");
    assertThatThrownBy(() -> RedisServer.builder().argument("--port", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("argument name must be a bare directive, was '--port'");
    assertThatThrownBy(() -> RedisServer.builder().startTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> RedisCluster.builder().masters(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("masters must be in [1,16], was 0");
    assertThatThrownBy(() -> RedisSentinel.builder().masterName("my master"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("masterName must be 1-64 of [A-Za-z0-9._-], was 'my master'");
    assertThatThrownBy(() -> RedisSentinel.builder().sentinels(8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sentinels must be in [1,7], was 8");
  }
}
