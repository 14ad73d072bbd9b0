package io.github.r4jredis.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class R4jRedisPropertiesTest {

  private static R4jRedisProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("r4j.redis", R4jRedisProperties.class);
  }

  @Test
  void shouldUseTheDocumentedDefaults() {
    R4jRedisProperties properties = bind(Map.of());

    assertThat(properties.isEnabled()).isTrue();
    assertThat(properties.getUrl()).isNull();
    assertThat(properties.getKeyPrefix()).isEqualTo("r4j");
    assertThat(properties.getNodeId()).isNull();
    assertThat(properties.getSyncInterval()).isEqualTo(Duration.ofMillis(20));
    assertThat(properties.getMinimumReportingNodes()).isEqualTo(1);
    assertThat(properties.getFallback().isEnabled()).isTrue();
    assertThat(properties.getHealth().isEnabled()).isTrue();
    assertThat(properties.getSlo().isEnabled()).isTrue();
  }

  @Test
  void shouldBindKebabCaseKeys() {
    R4jRedisProperties properties = bind(Map.of(
        "r4j.redis.key-prefix", "orders",
        "r4j.redis.node-id", "orders-7",
        "r4j.redis.sync-interval", "50ms",
        "r4j.redis.max-flush-delay", "2s",
        "r4j.redis.minimum-reporting-nodes", "3",
        "r4j.redis.url", "redis://cache:6380",
        "r4j.redis.slo.enabled", "false"));

    assertThat(properties.getKeyPrefix()).isEqualTo("orders");
    assertThat(properties.getNodeId()).isEqualTo("orders-7");
    assertThat(properties.getSyncInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(properties.getMaxFlushDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(properties.getMinimumReportingNodes()).isEqualTo(3);
    assertThat(properties.getUrl()).isEqualTo("redis://cache:6380");
    assertThat(properties.getSlo().isEnabled()).isFalse();
  }

  @Test
  void shouldStopStartUpWithAMessageNamingTheBadProperty() {
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.key-prefix", "a:b")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage("r4j.redis.key-prefix must be 1-64 of [A-Za-z0-9._-], was 'a:b'");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.minimum-reporting-nodes", "0")))
        .rootCause()
        .hasMessage("r4j.redis.minimum-reporting-nodes must be at least 1, was 0");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.sync-interval", "0ms")))
        .rootCause()
        .hasMessage("r4j.redis.sync-interval must be in [1ms,10s], was PT0S");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.max-flush-delay", "10s")))
        .rootCause()
        .hasMessage("r4j.redis.max-flush-delay must be in [0s,9s], was PT10S");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.url", "http://user:secret@cache")))
        .rootCause()
        .hasMessage("r4j.redis.url must start with redis:// or rediss://, was 'http://***@cache'");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.url", "redis://user:secret@cache:6379/ bad")))
        .rootCause()
        .hasMessage("r4j.redis.url is not a valid URL, was 'redis://***@cache:6379/ bad'");
    assertThatThrownBy(() -> bind(Map.of("r4j.redis.url", "redis://user:secret@:6379")))
        .rootCause()
        .hasMessage("r4j.redis.url must name a host, was 'redis://***@:6379'");
  }
}
