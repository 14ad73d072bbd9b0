package io.github.r4jredis.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExternalRedisServerTest {

  @Test
  void parsesHostPortAndCredentials() {
    ExternalRedisServer server = ExternalRedisServer.parse("redis://app:p%40ss@cache.internal:6380");

    assertThat(server.host()).isEqualTo("cache.internal");
    assertThat(server.port()).isEqualTo(6380);
    assertThat(server.username()).isEqualTo("app");
    assertThat(server.password()).isEqualTo("p@ss");
    assertThat(server.address()).isEqualTo("redis://cache.internal:6380");
    assertThat(server.isManaged()).isFalse();
  }

  @Test
  void defaultsThePortAndKeepsTheTlsScheme() {
    ExternalRedisServer server = ExternalRedisServer.parse("rediss://:secret@10.0.0.5");

    assertThat(server.port()).isEqualTo(6379);
    assertThat(server.username()).isNull();
    assertThat(server.password()).isEqualTo("secret");
    assertThat(server.address()).isEqualTo("rediss://10.0.0.5:6379");
  }

  @Test
  void rejectsOtherSchemesWithoutEchoingThePassword() {
    assertThatThrownBy(() -> ExternalRedisServer.parse("http://u:hunter2@host:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("REDIS_URL must start with redis:// or rediss://, was 'http://***@host:1'");
    assertThatThrownBy(() -> ExternalRedisServer.parse("redis:///nohost"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no host");
  }

  @Test
  void refusesEveryControlBecauseTheServerIsShared() {
    ExternalRedisServer server = ExternalRedisServer.parse("redis://127.0.0.1:6379");

    assertThatThrownBy(server::kill)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("Cannot kill the shared server redis://127.0.0.1:6379 named by REDIS_URL;"
            + " start a dedicated one with RedisServer.start() or @Dedicated");
    assertThatThrownBy(server::pause).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(server::resume).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(server::restart).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(server::restartEmpty).isInstanceOf(UnsupportedOperationException.class);
  }
}
