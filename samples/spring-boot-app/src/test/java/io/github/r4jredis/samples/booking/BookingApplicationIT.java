package io.github.r4jredis.samples.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The sample as a user meets it: its API, the operators' API with its security, the scrape. */
@RedisTest
@ExtendWith(OutputCaptureExtension.class)
class BookingApplicationIT {

  private static final Duration AWAIT = Duration.ofSeconds(15);
  private static final String OPERATOR = "operator:correct-horse-battery";
  private static final String VIEWER = "viewer:just-looking-around";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
  private String base = "";

  @AfterEach
  void stop() {
    contexts.forEach(ConfigurableApplicationContext::close);
  }

  private ConfigurableApplicationContext start(RedisServer redis, String prefix, String... more) {
    // As command-line arguments: they win over application.yml (builder properties would not,
    // and the app would reach for the Redis of its own configuration).
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "r4j.redis.url=" + redis.address(),
        "r4j.redis.key-prefix=" + prefix,
        "app.probe-interval=PT0.2S",
        // No HALF_OPEN during the test: its trial calls (the queue's drain among them) would
        // fail against the dead calcom and push the queued booking's next attempt out.
        "resilience4j.circuitbreaker.instances.calcom.wait-duration-in-open-state=5m",
        "app.security.operator-password=correct-horse-battery",
        "app.security.viewer-password=just-looking-around"));
    properties.addAll(List.of(more));
    Map<String, String> byName = new LinkedHashMap<>(); // a later one replaces an earlier one
    properties.forEach(p -> byName.put(p.substring(0, p.indexOf('=')), p));
    ConfigurableApplicationContext context = new SpringApplicationBuilder(BookingApplication.class)
        .run(byName.values().stream().map(p -> "--" + p).toArray(String[]::new));
    contexts.add(context);
    base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    return context;
  }

  @Test
  void degradesDuringAnOutageAndOnlyOperatorsActOnBreakers(RedisServer redis, @KeyPrefix String prefix,
      CapturedOutput output) throws Exception {
    ConfigurableApplicationContext app = start(redis, prefix);
    SimulatedDependencies dependencies = app.getBean(SimulatedDependencies.class);
    assertThat(app.getEnvironment().getProperty("r4j.redis.url")).isEqualTo(redis.address());

    assertThat(json(get("/api/slots?day=2026-12-01")).get("source").asText()).isEqualTo("calcom");
    assertThat(json(get("/api/appointments/slots?day=2026-12-01")).get("tier").asText()).isEqualTo("PRIMARY");

    assertThat(post("/api/simulation/calcom/down", null).statusCode()).isEqualTo(401);
    assertThat(post("/api/simulation/calcom/down", VIEWER).statusCode()).isEqualTo(403);
    assertThat(post("/api/simulation/calcom/down", OPERATOR).statusCode()).isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      assertThat(json(get("/api/slots?day=2026-12-01")).get("source").asText()).startsWith("unavailable");
    }
    JsonNode slots = json(get("/api/appointments/slots?day=2026-12-01"));
    assertThat(slots.get("tier").asText()).isEqualTo("STALE_CACHE");
    assertThat(slots.get("value").asText()).startsWith("2026-12-01T09:00");
    HttpResponse<String> booking = post("/api/bookings?day=2026-12-01", null, "Idempotency-Key", "order-1");
    assertThat(booking.statusCode()).isEqualTo(202);
    assertThat(json(booking).get("tier").asText()).isEqualTo("QUEUED");

    JsonNode fleet = json(get("/api/metrics/resilience")).get("fleet");
    assertThat(fleet.get("breakers").findValuesAsText("state")).contains("OPEN");
    assertThat(json(get("/api/health/status")).get("system").get("status").asText()).isIn("DEGRADED", "CRITICAL");
    await().atMost(AWAIT).until(() ->
        json(get("/api/health/history?service=calcom&limit=5")).get("calcom").get("results").size() > 0);
    assertThat(json(get("/api/resilience/slos")).has("calcom")).isTrue();
    assertThat(json(get("/api/resilience/predictions?horizon=PT30M")).has("calcom")).isTrue();
    assertThat(get("/api/resilience/predictions?horizon=P30D").statusCode()).isEqualTo(400);

    assertThat(post("/api/resilience/calcom/force-open", null).statusCode()).isEqualTo(401);
    assertThat(post("/api/resilience/calcom/reset", VIEWER).statusCode()).isEqualTo(403);
    assertThat(post("/api/resilience/nope/force-open", OPERATOR).statusCode()).isEqualTo(404);
    assertThat(post("/api/simulation/calcom/up", OPERATOR).statusCode()).isEqualTo(200);
    HttpResponse<String> reset = post("/api/resilience/calcom/reset", OPERATOR);
    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(json(reset).get("state").asText()).isEqualTo("CLOSED");
    assertThat(output.getOut()).contains("action=reset breaker=calcom user=operator from=127.0.0.1 outcome=CLOSED");

    await().atMost(AWAIT).until(() -> dependencies.bookings() == 1); // the queued booking, made after recovery

    String scrape = get("/actuator/prometheus").body();
    assertThat(scrape).contains("resilience4j_circuitbreaker_state{", "r4jredis_sync_mode{", "r4jredis_slo_calls_total{");
    assertThat(json(get("/actuator/health")).get("components").get("r4jRedis").get("status").asText()).isEqualTo("UP");
  }

  @Test
  void refusesToStartWithoutAnOperatorPassword(RedisServer redis, @KeyPrefix String prefix) {
    assertThatThrownBy(() -> start(redis, prefix, "app.security.operator-password="))
        .rootCause()
        .hasMessageContaining("app.security.operator-password must be set to at least 12 characters");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, @Nullable String credentials, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody());
    if (credentials != null) {
      request.header("Authorization",
          "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isLessThan(300);
    return new ObjectMapper().readTree(response.body());
  }
}
