package io.github.r4jredis.samples.booking;

import static io.github.r4jredis.samples.booking.BookingServer.OPERATOR;
import static io.github.r4jredis.samples.booking.BookingServer.VIEWER;
import static io.github.r4jredis.samples.booking.BookingServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The sample as a user meets it: its API, the operators' API with its security, the scrape. */
@RedisTest
@ExtendWith(OutputCaptureExtension.class)
class BookingApplicationIT {

  private static final Duration AWAIT = Duration.ofSeconds(15);

  private final List<BookingServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(BookingServer::close);
  }

  private BookingServer start(RedisServer redis, String prefix, String... more) {
    List<String> properties = new ArrayList<>(List.of(
        // No HALF_OPEN during the test: its trial calls (the queue's drain among them) would
        // fail against the dead calcom and push the queued booking's next attempt out.
        "resilience4j.circuitbreaker.instances.calcom.wait-duration-in-open-state=5m"));
    properties.addAll(List.of(more));
    BookingServer server = BookingServer.start(redis, prefix, properties.toArray(String[]::new));
    servers.add(server);
    return server;
  }

  @Test
  void degradesDuringAnOutageAndOnlyOperatorsActOnBreakers(RedisServer redis, @KeyPrefix String prefix,
      CapturedOutput output) throws Exception {
    BookingServer app = start(redis, prefix);
    SimulatedDependencies dependencies = app.context.getBean(SimulatedDependencies.class);
    assertThat(app.context.getEnvironment().getProperty("r4j.redis.url")).isEqualTo(redis.address());

    assertThat(json(app.get("/api/slots?day=2026-12-01")).get("source").asText()).isEqualTo("calcom");
    assertThat(json(app.get("/api/appointments/slots?day=2026-12-01")).get("tier").asText()).isEqualTo("PRIMARY");

    assertThat(app.post("/api/simulation/calcom/down", null).statusCode()).isEqualTo(401);
    assertThat(app.post("/api/simulation/calcom/down", VIEWER).statusCode()).isEqualTo(403);
    assertThat(app.post("/api/simulation/calcom/down", OPERATOR).statusCode()).isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      assertThat(json(app.get("/api/slots?day=2026-12-01")).get("source").asText()).startsWith("unavailable");
    }
    JsonNode slots = json(app.get("/api/appointments/slots?day=2026-12-01"));
    assertThat(slots.get("tier").asText()).isEqualTo("STALE_CACHE");
    assertThat(slots.get("value").asText()).startsWith("2026-12-01T09:00");
    HttpResponse<String> booking = app.post("/api/bookings?day=2026-12-01", null, "Idempotency-Key", "order-1");
    assertThat(booking.statusCode()).isEqualTo(202);
    assertThat(json(booking).get("tier").asText()).isEqualTo("QUEUED");

    JsonNode fleet = json(app.get("/api/metrics/resilience")).get("fleet");
    assertThat(fleet.get("breakers").findValuesAsText("state")).contains("OPEN");
    assertThat(json(app.get("/api/health/status")).get("system").get("status").asText()).isIn("DEGRADED", "CRITICAL");
    await().atMost(AWAIT).until(() ->
        json(app.get("/api/health/history?service=calcom&limit=5")).get("calcom").get("results").size() > 0);
    assertThat(json(app.get("/api/resilience/slos")).has("calcom")).isTrue();
    assertThat(json(app.get("/api/resilience/predictions?horizon=PT30M")).has("calcom")).isTrue();
    assertThat(app.get("/api/resilience/predictions?horizon=P30D").statusCode()).isEqualTo(400);

    assertThat(app.post("/api/resilience/calcom/force-open", null).statusCode()).isEqualTo(401);
    assertThat(app.post("/api/resilience/calcom/reset", VIEWER).statusCode()).isEqualTo(403);
    assertThat(app.post("/api/resilience/nope/force-open", OPERATOR).statusCode()).isEqualTo(404);
    assertThat(app.post("/api/simulation/calcom/up", OPERATOR).statusCode()).isEqualTo(200);
    HttpResponse<String> reset = app.post("/api/resilience/calcom/reset", OPERATOR);
    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(json(reset).get("state").asText()).isEqualTo("CLOSED");
    assertThat(output.getOut()).contains(
        "action=\"reset\" breaker=\"calcom\" user=\"operator\" from=\"127.0.0.1\" outcome=\"CLOSED\"");

    await().atMost(AWAIT).until(() -> dependencies.bookings() == 1); // the queued booking, made after recovery

    String scrape = app.get("/actuator/prometheus").body();
    assertThat(scrape).contains("resilience4j_circuitbreaker_state{", "r4jredis_state_sync_mode{", "r4jredis_slo_calls_total{");
    assertThat(json(app.get("/actuator/health")).get("components").get("r4jRedis").get("status").asText()).isEqualTo("UP");
  }

  /**
   * Every action, refused or done, is in the audit trail, also the 401s and 403s Spring Security
   * answers before the controller; every value is quoted, so a name cannot forge a field.
   */
  @Test
  void everyActionRefusedOrDoneIsAuditedAndNoValueForgesAField(RedisServer redis, @KeyPrefix String prefix)
      throws Exception {
    BookingServer app = start(redis, prefix); // first: Spring Boot resets logback as it starts
    Logger audit = (Logger) LoggerFactory.getLogger("io.github.r4jredis.audit");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    audit.addAppender(lines);
    try {
      String from = " from=\"127.0.0.1\"";

      assertThat(app.post("/api/resilience/calcom/reset", null).statusCode()).isEqualTo(401);
      assertThat(app.post("/api/resilience/calcom/reset", VIEWER).statusCode()).isEqualTo(403);
      assertThat(app.post("/api/resilience/calcom/force-open", "operator:not-the-password").statusCode()).isEqualTo(401);
      assertThat(app.post("/api/resilience/x%22%20outcome=%22CLOSED/force-open", OPERATOR).statusCode()).isEqualTo(404);
      assertThat(app.post("/api/simulation/calcom/down", VIEWER).statusCode()).as("not an action of ours").isEqualTo(403);
      HttpResponse<String> reset = app.post("/api/resilience/calcom/reset", OPERATOR);
      assertThat(reset.statusCode()).isEqualTo(200);

      synchronized (lines) {
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
            "action=\"reset\" breaker=\"calcom\" user=\"anonymous\"" + from
                + " outcome=\"refused\" reason=\"not authenticated\"",
            "action=\"reset\" breaker=\"calcom\" user=\"viewer\"" + from
                + " outcome=\"refused\" reason=\"not authorized\"",
            "action=\"force-open\" breaker=\"calcom\" user=\"operator\"" + from
                + " outcome=\"refused\" reason=\"authentication failed: Bad credentials\"",
            "action=\"force-open\" breaker=\"x\\\" outcome=\\\"CLOSED\" user=\"operator\"" + from
                + " outcome=\"not found\"",
            "action=\"reset\" breaker=\"calcom\" user=\"operator\"" + from
                + " outcome=\"CLOSED\" version=\"" + json(reset).get("version").asLong() + "\"");
      }
    } finally {
      audit.detachAppender(lines);
    }
  }

  /** A parameter of the wrong type is named, with what it must be. */
  @Test
  void aParameterOfTheWrongTypeIsNamed(RedisServer redis, @KeyPrefix String prefix) throws Exception {
    BookingServer app = start(redis, prefix);

    HttpResponse<String> history = app.get("/api/health/history?limit=abc");
    assertThat(history.statusCode()).isEqualTo(400);
    assertThat(history.body()).contains("limit must be an integer, was 'abc'");
    HttpResponse<String> predictions = app.get("/api/resilience/predictions?horizon=soon");
    assertThat(predictions.statusCode()).isEqualTo(400);
    assertThat(predictions.body()).contains("horizon must be an ISO-8601 duration such as PT30M, was 'soon'");
  }

  @Test
  void refusesToStartWithoutAnOperatorPassword(RedisServer redis, @KeyPrefix String prefix) {
    assertThatThrownBy(() -> start(redis, prefix, "app.security.operator-password="))
        .rootCause()
        .hasMessageContaining("app.security.operator-password must be set to at least 12 characters");
  }
}
