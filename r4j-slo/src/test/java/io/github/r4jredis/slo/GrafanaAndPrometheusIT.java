package io.github.r4jredis.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The Grafana dashboard and the Prometheus rules query only metrics that a real application
 * exposes: a shared registry with resilience4j-micrometer's meters and an SLO monitor, scraped
 * by micrometer-registry-prometheus. The rules pass promtool when it is installed.
 */
@RedisTest
class GrafanaAndPrometheusIT {

  private static final Path DOCS = Path.of("..", "docs");
  private static final Pattern METRIC = Pattern.compile("\\b((?:r4jredis|resilience4j)[a-z0-9_:]*)");
  private static String scrape;

  @BeforeAll
  static void scrapeATestApplication(RedisServer redis, @KeyPrefix String prefix) {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RedissonClient client = redis.newRedisson();
    try (RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix)
        .meterRegistry(prometheus).build();
        SloMonitor slo = SloMonitor.builder(client).keyPrefix(prefix).meterRegistry(prometheus)
            .flushInterval(Duration.ZERO).evaluationInterval(Duration.ZERO).build()) {
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(prometheus);
      slo.bindAll(registry);
      CircuitBreaker calcom = registry.circuitBreaker("calcom");
      await().atMost(Duration.ofSeconds(10)).until(() -> ((RedisCircuitBreaker) calcom).stateVersion() > 0);
      calcom.executeRunnable(() -> { });
      calcom.onError(3, TimeUnit.MILLISECONDS, new IOException("down"));
      calcom.transitionToOpenState();
      assertThatThrownBy(() -> calcom.executeRunnable(() -> { })).isInstanceOf(CallNotPermittedException.class);
      slo.flush();
      slo.evaluate();
      scrape = prometheus.scrape();
    } finally {
      client.shutdown();
    }
  }

  private static Set<String> exposed() {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /** Metric names in PromQL expressions, leaving out recording rules (they have a colon). */
  private static Set<String> queried(List<String> expressions) {
    Set<String> names = new TreeSet<>();
    for (String expression : expressions) {
      Matcher matcher = METRIC.matcher(expression);
      while (matcher.find()) {
        if (!matcher.group(1).contains(":")) {
          names.add(matcher.group(1));
        }
      }
    }
    return names;
  }

  @Test
  void everyMetricTheDashboardQueriesIsExposed() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DOCS.resolve("grafana/r4j-redis.json").toFile());
    List<String> expressions = new ArrayList<>();
    dashboard.findValues("expr").forEach(node -> expressions.add(node.asText()));
    assertThat(dashboard.get("panels")).hasSizeGreaterThan(10);
    assertThat(expressions).hasSizeGreaterThan(15);

    Set<String> queried = queried(expressions);

    assertThat(queried).contains("r4jredis_slo_burn_rate", "r4jredis_state_sync_mode", "resilience4j_circuitbreaker_state",
        "resilience4j_circuitbreaker_not_permitted_calls_total");
    assertThat(exposed()).containsAll(queried);
    // and the label values its filters rely on
    assertThat(scrape).contains("resilience4j_circuitbreaker_state{name=\"calcom\",state=\"open\"} 1.0")
        .contains("state=\"half_open\"").containsPattern("r4jredis_state_sync_round_trip_seconds\\{.*quantile=\"0.99\"")
        .containsPattern("r4jredis_slo_latency_seconds\\{quantile=\"0.99\",service=\"calcom\"");
  }

  @Test
  void everyMetricTheRulesQueryIsExposedAndEveryRecordedSeriesIsDefined() throws IOException {
    String rules = Files.readString(DOCS.resolve("prometheus/alerts.yml"), StandardCharsets.UTF_8);
    List<String> expressions = new ArrayList<>();
    Matcher expr = Pattern.compile("expr: \\|?\\n?((?:.|\\n)*?)(?=\\n\\s*(?:labels|for|annotations|- record|- alert|$))")
        .matcher(rules);
    while (expr.find()) {
      expressions.add(expr.group(1));
    }
    Set<String> recorded = new TreeSet<>();
    Matcher record = Pattern.compile("- record: (\\S+)").matcher(rules);
    while (record.find()) {
      recorded.add(record.group(1));
    }

    assertThat(expressions).hasSize(10);
    assertThat(exposed()).containsAll(queried(expressions));
    Matcher used = Pattern.compile("\\b(r4jredis:[a-z0-9_:]+)").matcher(String.join("\n", expressions));
    while (used.find()) {
      assertThat(recorded).contains(used.group(1));
    }
  }

  @Test
  void theRulesPassPromtoolAndTheirUnitTests() throws Exception {
    assumeTrue(onPath("promtool"), "promtool is not installed (Debian package prometheus)");

    assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS: 10 rules found");
    assertThat(promtool("test", "rules", "alerts-test.yml")).contains("SUCCESS");
  }

  private static String promtool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(DOCS.resolve("prometheus").toFile())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
