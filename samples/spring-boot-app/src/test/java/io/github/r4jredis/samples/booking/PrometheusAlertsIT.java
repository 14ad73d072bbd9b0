package io.github.r4jredis.samples.booking;

import static io.github.r4jredis.samples.booking.BookingServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/prometheus/alerts.yml, unchanged, in a real Prometheus (Debian's {@code prometheus}
 * package, which {@code .ci/run} installs) scraping the booking sample every second: calcom dies,
 * the breaker-open and the fast burn-rate alerts fire within their {@code for:} durations, and
 * both resolve once calcom is back. About three minutes: the breaker-open alert waits two of them.
 */
@RedisTest
@Tag("prometheus")
class PrometheusAlertsIT {

  private static final Path RULES = Path.of("../../docs/prometheus/alerts.yml").toAbsolutePath().normalize();
  private static final String BREAKER_OPEN = "R4jRedisBreakerOpen";
  private static final String FAST_BURN = "R4jRedisErrorBudgetFastBurn";
  /** Longer than the breaker-open alert's 2 minutes (by 30 s, for a busy machine), so the breaker stays OPEN until it fires. */
  private static final Duration WAIT_IN_OPEN = Duration.ofSeconds(150);

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theBreakerOpenAndFastBurnAlertsFireDuringAnOutageAndResolveAfterIt(RedisServer redis, @KeyPrefix String prefix,
      @TempDir Path dir) throws Exception {
    assumeTrue(onPath("prometheus"), "prometheus is not installed (Debian package prometheus)");
    try (BookingServer app = BookingServer.start(redis, prefix,
            "resilience4j.circuitbreaker.instances.calcom.wait-duration-in-open-state=" + WAIT_IN_OPEN);
        Prometheus prometheus = Prometheus.start(dir, app.base.substring("http://".length()));
        Load load = new Load(app)) {
      CircuitBreaker calcom = app.context.getBean(CircuitBreakerRegistry.class).circuitBreaker("calcom");

      // Healthy traffic, scraped: the fast burn must fire on the outage's errors, not on a lack of calls.
      load.burst(2_000);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
          .until(() -> !prometheus.query("r4jredis:slo_errors:ratio_rate5m{service=\"calcom\"}").isEmpty());

      assertThat(app.post("/api/simulation/calcom/down", OPERATOR).statusCode()).isEqualTo(200);
      long down = System.nanoTime();
      load.oneASecond(); // few errors: after the outage, successes must outweigh them 70 to 1
      await().atMost(Duration.ofSeconds(60)).until(() -> calcom.getState() == CircuitBreaker.State.OPEN);
      long opened = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .until(() -> prometheus.firing().contains(FAST_BURN));
      long fastBurnFired = System.nanoTime();
      await().atMost(WAIT_IN_OPEN).pollInterval(Duration.ofSeconds(1))
          .until(() -> prometheus.firing().contains(BREAKER_OPEN));
      long breakerOpenFired = System.nanoTime();
      assertThat(seconds(breakerOpenFired - opened)).as("fired after its for: 2m").isGreaterThanOrEqualTo(120);

      assertThat(app.post("/api/simulation/calcom/up", OPERATOR).statusCode()).isEqualTo(200);
      long up = System.nanoTime();
      // The breaker closes through its own trial calls once its wait in OPEN is over.
      await().atMost(Duration.ofSeconds(60)).until(() -> calcom.getState() == CircuitBreaker.State.CLOSED);
      long closed = System.nanoTime();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
          .until(() -> !prometheus.active().contains(BREAKER_OPEN));
      long breakerOpenResolved = System.nanoTime();
      long succeededBefore = load.succeeded();
      load.asFastAsItGoes(); // the 5-minute error ratio falls as successes pile up
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
          .until(() -> !prometheus.active().contains(FAST_BURN));
      long fastBurnResolved = System.nanoTime();

      System.out.printf("FIGURE real Prometheus %s, scrape and evaluation every 1 s: calcom down at 0 s, the breaker"
              + " OPEN at %.1f s; %s firing at %.1f s, %s at %.1f s (%.1f s after the breaker opened); calcom up at"
              + " %.1f s, the breaker CLOSED at %.1f s, %s resolved at %.1f s, %s at %.1f s after %d more successful calls"
              + " (%d calls in all)%n",
          prometheus.version(), seconds(opened - down), FAST_BURN, seconds(fastBurnFired - down), BREAKER_OPEN,
          seconds(breakerOpenFired - down), seconds(breakerOpenFired - opened), seconds(up - down),
          seconds(closed - down), BREAKER_OPEN, seconds(breakerOpenResolved - down), FAST_BURN,
          seconds(fastBurnResolved - down), load.succeeded() - succeededBefore, load.calls());
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && List.of(path.split(File.pathSeparator)).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  /** A Prometheus server of its own, scraping one target every second, with our rules. */
  private static final class Prometheus implements AutoCloseable {
    private final Process process;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    private Prometheus(Process process, int port) {
      this.process = process;
      this.base = "http://127.0.0.1:" + port;
    }

    static Prometheus start(Path dir, String target) throws IOException {
      Path rules = Files.copy(RULES, dir.resolve("alerts.yml"));
      Path config = Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
          "global:",
          "  scrape_interval: 1s",
          "  evaluation_interval: 1s",
          "rule_files: ['" + rules + "']",
          "scrape_configs:",
          "  - job_name: booking",
          "    metrics_path: /actuator/prometheus",
          "    static_configs:",
          "      - targets: ['" + target + "']",
          ""));
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      Process process = new ProcessBuilder("prometheus", "--config.file=" + config,
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
          .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
      Prometheus prometheus = new Prometheus(process, port);
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> prometheus.get("/-/ready").statusCode() == 200);
      return prometheus;
    }

    String version() throws IOException, InterruptedException {
      return mapper.readTree(get("/api/v1/status/buildinfo").body()).path("data").path("version").asText();
    }

    /** The result vector of an instant query. */
    JsonNode query(String promql) throws IOException, InterruptedException {
      JsonNode reply = mapper.readTree(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body());
      assertThat(reply.path("status").asText()).as(reply.toString()).isEqualTo("success");
      return reply.path("data").path("result");
    }

    List<String> firing() throws IOException, InterruptedException {
      return alerts(true);
    }

    /** Pending or firing. */
    List<String> active() throws IOException, InterruptedException {
      return alerts(false);
    }

    private List<String> alerts(boolean firingOnly) throws IOException, InterruptedException {
      List<String> names = new ArrayList<>();
      JsonNode reply = mapper.readTree(get("/api/v1/alerts").body());
      assertThat(reply.path("status").asText()).as(reply.toString()).isEqualTo("success");
      for (JsonNode alert : reply.path("data").path("alerts")) {
        if (!firingOnly || alert.path("state").asText().equals("firing")) {
          names.add(alert.path("labels").path("alertname").asText());
        }
      }
      return names;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** Calls to calcom's slots through the app: a burst, one a second, or as fast as 4 threads go. */
  private static final class Load implements AutoCloseable {
    private static final int THREADS = 4;

    private final BookingServer app;
    private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(THREADS);
    private final AtomicBoolean flatOut = new AtomicBoolean();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private @Nullable ScheduledFuture<?> steady;

    Load(BookingServer app) {
      this.app = app;
    }

    void burst(int n) {
      for (int i = 0; i < n; i++) {
        call();
      }
    }

    void oneASecond() {
      steady = threads.scheduleAtFixedRate(this::call, 0, 1, TimeUnit.SECONDS);
    }

    void asFastAsItGoes() {
      if (steady != null) {
        steady.cancel(false);
      }
      flatOut.set(true);
      for (int i = 0; i < THREADS; i++) {
        threads.execute(() -> {
          while (flatOut.get() && !Thread.currentThread().isInterrupted()) {
            call();
          }
        });
      }
    }

    long calls() {
      return calls.get();
    }

    /** Calls that calcom answered. */
    long succeeded() {
      return succeeded.get();
    }

    private void call() {
      try {
        HttpResponse<String> reply = app.get("/api/slots?day=2026-12-01");
        if (reply.statusCode() == 200 && reply.body().contains("\"source\":\"calcom\"")) {
          succeeded.incrementAndGet();
        }
      } catch (IOException e) {
        // counted as a call that did not succeed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        calls.incrementAndGet();
      }
    }

    @Override
    public void close() throws InterruptedException {
      flatOut.set(false);
      threads.shutdownNow();
      threads.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
