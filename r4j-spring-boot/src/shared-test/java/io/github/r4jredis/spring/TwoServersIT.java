package io.github.r4jredis.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.consumer.EventConsumerRegistry;
import io.github.resilience4j.retry.annotation.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/**
 * Two Spring Boot applications ("servers") on one Redis: a breaker opened through annotated
 * beans on one is open on the other, with everything Resilience4j's own registry bean gives.
 */
@RedisTest
class TwoServersIT {

  private static final Duration AWAIT = Duration.ofSeconds(15);

  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

  @AfterEach
  void stopServers() {
    contexts.forEach(ConfigurableApplicationContext::close);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Calcom.class)
  static class App {}

  /** A client of a dependency, protected the Resilience4j way. (A proxy: state behind methods.) */
  @Component
  static class Calcom {
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean down;

    public void setDown(boolean down) {
      this.down = down;
    }

    public int calls() {
      return calls.get();
    }

    @CircuitBreaker(name = "calcom", fallbackMethod = "cachedSlots")
    public String slots() {
      return call("slots");
    }

    @Retry(name = "calcom", fallbackMethod = "queued")
    @CircuitBreaker(name = "calcom")
    public String book() {
      return call("booked");
    }

    private String call(String answer) {
      calls.incrementAndGet();
      if (down) {
        throw new IllegalStateException("calcom is down");
      }
      return answer;
    }

    String cachedSlots(Throwable cause) {
      return "cached after " + cause.getClass().getSimpleName();
    }

    String queued(Throwable cause) {
      return "queued after " + cause.getClass().getSimpleName();
    }
  }

  private ConfigurableApplicationContext server(RedisServer redis, String prefix, String node, String... more) {
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "r4j.redis.url=" + redis.address(),
        "r4j.redis.key-prefix=" + prefix,
        "r4j.redis.node-id=" + node,
        "resilience4j.circuitbreaker.configs.default.wait-duration-in-open-state=1m",
        "resilience4j.circuitbreaker.instances.calcom.sliding-window-size=4",
        "resilience4j.circuitbreaker.instances.calcom.minimum-number-of-calls=4",
        "resilience4j.retry.instances.calcom.max-attempts=2",
        "resilience4j.retry.instances.calcom.wait-duration=1ms",
        "management.endpoints.web.exposure.include=health,r4jredis,r4jslo,circuitbreakers,circuitbreakerevents",
        "management.endpoint.health.show-details=always"));
    properties.addAll(List.of(more));
    ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
        .properties(properties.toArray(String[]::new))
        .run();
    contexts.add(context);
    return context;
  }

  @Test
  void aBreakerOpenedThroughAnnotationsOnOneServerIsOpenOnTheOther(RedisServer redis, @KeyPrefix String prefix)
      throws Exception {
    ConfigurableApplicationContext a = server(redis, prefix, "server-a");
    ConfigurableApplicationContext b = server(redis, prefix, "server-b");
    RedisCircuitBreakerRegistry registryA = (RedisCircuitBreakerRegistry) a.getBean(CircuitBreakerRegistry.class);
    RedisCircuitBreakerRegistry registryB = (RedisCircuitBreakerRegistry) b.getBean(CircuitBreakerRegistry.class);

    // The instance is created up front with its own config, as Resilience4j's bean does.
    assertThat(registryB.getAllCircuitBreakers()).extracting(io.github.resilience4j.circuitbreaker.CircuitBreaker::getName)
        .containsExactly("calcom");
    assertThat(registryB.circuitBreaker("calcom").getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(4);
    assertThat(registryB.circuitBreaker("calcom").getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState()
        .apply(1)).isEqualTo(60_000L);
    await().atMost(AWAIT).until(() -> registryB.sharedBreaker("calcom").isPresent());

    Calcom calcomA = a.getBean(Calcom.class);
    calcomA.setDown(true);
    assertThat(calcomA.book()).isEqualTo("queued after IllegalStateException");
    assertThat(calcomA.book()).isEqualTo("queued after IllegalStateException");
    assertThat(calcomA.calls()).isEqualTo(4); // @Retry ran each booking twice through the breaker

    await().atMost(AWAIT).until(() -> registryB.circuitBreaker("calcom").getState() == State.OPEN);
    Calcom calcomB = b.getBean(Calcom.class);
    assertThat(calcomB.slots()).isEqualTo("cached after CallNotPermittedException");
    assertThat(calcomB.calls()).isZero();

    // Micrometer (a RegistryEventConsumer bean) and the actuator's event buffers see it.
    MeterRegistry meters = b.getBean(MeterRegistry.class);
    assertThat(meters.get("resilience4j.circuitbreaker.state").tags("name", "calcom", "state", "open").gauge().value())
        .isEqualTo(1.0);
    @SuppressWarnings("unchecked")
    EventConsumerRegistry<CircuitBreakerEvent> events = a.getBean("eventConsumerRegistry", EventConsumerRegistry.class);
    assertThat(events.getEventConsumer("calcom").getBufferedEvents())
        .anyMatch(e -> e.getEventType() == CircuitBreakerEvent.Type.STATE_TRANSITION);
    assertThat(b.getBean(SloMonitor.class).services()).contains("calcom");

    JsonNode fleet = get(b, "/actuator/r4jredis");
    assertThat(fleet.get("nodeId").asText()).isEqualTo("server-b");
    assertThat(fleet.get("syncMode").asText()).isEqualTo("SHARED");
    assertThat(fleet.get("fleetWide").asBoolean()).isTrue();
    assertThat(fleet.get("breakers").get(0).get("name").asText()).isEqualTo("calcom");
    assertThat(fleet.get("breakers").get(0).get("state").asText()).isEqualTo("OPEN");
    assertThat(get(b, "/actuator/r4jredis/calcom").get("failedCalls").asLong()).isEqualTo(4);
    JsonNode health = get(b, "/actuator/health");
    assertThat(health.get("components").get("r4jRedis").get("status").asText()).isEqualTo("UP");
    assertThat(health.get("components").get("r4jRedis").get("details").get("open").get(0).asText()).isEqualTo("calcom");
    assertThat(get(b, "/actuator/circuitbreakers").get("circuitBreakers").get("calcom").get("state").asText())
        .isEqualTo("OPEN");
    assertThat(get(b, "/actuator/r4jslo").has("services")).isTrue();
  }

  @Test
  void badPropertiesStopTheApplicationNamingTheProperty(RedisServer redis, @KeyPrefix String prefix) {
    assertThatThrownBy(() -> server(redis, prefix, "server-a", "r4j.redis.sync-interval=0ms"))
        .rootCause()
        .hasMessage("r4j.redis.sync-interval must be in [1ms,10s], was PT0S");
    assertThatThrownBy(() -> server(redis, prefix, "server-a", "r4j.redis.key-prefix=has space"))
        .rootCause()
        .hasMessage("r4j.redis.key-prefix must be 1-64 of [A-Za-z0-9._-], was 'has space'");
  }

  @Test
  void switchedOffResilience4jKeepsItsOwnRegistry(RedisServer redis, @KeyPrefix String prefix) {
    ConfigurableApplicationContext context = server(redis, prefix, "server-a", "r4j.redis.enabled=false");

    assertThat(context.getBean(CircuitBreakerRegistry.class)).isNotInstanceOf(RedisCircuitBreakerRegistry.class);
    assertThat(context.getBeansOfType(SloMonitor.class)).isEmpty();
  }

  private static JsonNode get(ConfigurableApplicationContext context, String path) throws Exception {
    String port = context.getEnvironment().getProperty("local.server.port");
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }
}
