package io.github.r4jredis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** The commands run against real Redis, next to a "service" node holding the breakers. */
@RedisTest
class R4jCliIT {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeService() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private int run(String input, String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return R4jCli.execute(new StringReader(input), new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  /** A service node with breakers "calcom" (opened by four failures) and "retell" (closed). */
  private RedisCircuitBreakerRegistry service(RedisServer redis, String prefix) {
    RedissonClient client = redis.newRedisson();
    RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
        .withCircuitBreakerConfig(CircuitBreakerConfig.custom().slidingWindowSize(4).minimumNumberOfCalls(4).build())
        .keyPrefix(prefix)
        .nodeId("orders-1")
        .build();
    closeables.add(client::shutdown);
    closeables.add(registry);
    CircuitBreaker calcom = registry.circuitBreaker("calcom");
    registry.circuitBreaker("retell");
    await().atMost(AWAIT).until(() -> registry.sharedBreakers().size() == 2);
    for (int i = 0; i < 4; i++) {
      calcom.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
    }
    await().atMost(AWAIT).until(() -> registry.sharedBreaker("calcom").orElseThrow().state() == State.OPEN);
    return registry;
  }

  @Test
  void statusShowsEveryBreakerAsATableAndAsJson(RedisServer redis, @KeyPrefix String prefix) throws Exception {
    service(redis, prefix);

    assertThat(run("", "status", "--url", redis.address(), "--key-prefix", prefix)).isEqualTo(R4jCli.OK);
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).startsWith("NAME    STATE   VERSION  SINCE").contains("FAILURE%", "NODES", "DETAIL");
    assertThat(lines.get(1)).startsWith("calcom  OPEN").contains("100.0").contains("half-open in ").endsWith("opened 1x");
    assertThat(lines.get(2)).startsWith("retell  CLOSED");
    assertThat(lines).hasSize(3);

    assertThat(run("", "status", "--json", "--url", redis.address(), "--key-prefix", prefix, "calcom"))
        .isEqualTo(R4jCli.OK);
    JsonNode json = new ObjectMapper().readTree(out.toString());
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("name").asText()).isEqualTo("calcom");
    assertThat(json.get(0).get("state").asText()).isEqualTo("OPEN");
    assertThat(json.get(0).get("calls").asLong()).isEqualTo(4);
    assertThat(json.get(0).get("failedCalls").asLong()).isEqualTo(4);
    assertThat(json.get(0).get("failureRate").asDouble()).isEqualTo(100.0);
    assertThat(json.get(0).get("reportingNodes").asInt()).isEqualTo(1);
    assertThat(json.get(0).get("openUntil").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  @Test
  void resetAsksFirstAndTheServiceFollows(RedisServer redis, @KeyPrefix String prefix) {
    RedisCircuitBreakerRegistry service = service(redis, prefix);

    assertThat(run("n\n", "reset", "calcom", "--url", redis.address(), "--key-prefix", prefix))
        .isEqualTo(R4jCli.REFUSED);
    assertThat(out.toString()).isEmpty(); // the question goes to stderr: stdout holds only the answer
    assertThat(err.toString()).startsWith("Reset circuit breaker 'calcom' for the whole fleet? [y/N] ")
        .contains("not confirmed, nothing changed");
    assertThat(service.circuitBreaker("calcom").getState()).isEqualTo(State.OPEN);

    assertThat(run("y\n", "reset", "calcom", "--url", redis.address(), "--key-prefix", prefix)).isEqualTo(R4jCli.OK);
    assertThat(out.toString()).contains("calcom: CLOSED (version ");
    await().atMost(AWAIT).until(() -> service.circuitBreaker("calcom").getState() == State.CLOSED);
  }

  @Test
  void forceOpenDisableAndResetAllWithYes(RedisServer redis, @KeyPrefix String prefix) throws Exception {
    RedisCircuitBreakerRegistry service = service(redis, prefix);
    String[] conn = {"--url", redis.address(), "--key-prefix", prefix};

    assertThat(run("", concat(new String[] {"force-open", "retell", "--yes", "--json"}, conn))).isEqualTo(R4jCli.OK);
    assertThat(new ObjectMapper().readTree(out.toString()).get(0).get("state").asText()).isEqualTo("FORCED_OPEN");
    await().atMost(AWAIT).until(() -> service.circuitBreaker("retell").getState() == State.FORCED_OPEN);

    assertThat(run("", concat(new String[] {"disable", "calcom", "-y"}, conn))).isEqualTo(R4jCli.OK);
    await().atMost(AWAIT).until(() -> service.circuitBreaker("calcom").getState() == State.DISABLED);
    assertThat(service.circuitBreaker("calcom").tryAcquirePermission()).isTrue();

    assertThat(run("", concat(new String[] {"reset", "--all", "--yes"}, conn))).isEqualTo(R4jCli.OK);
    assertThat(out.toString()).contains("calcom: CLOSED", "retell: CLOSED");
    await().atMost(AWAIT).untilAsserted(() -> {
      assertThat(service.circuitBreaker("calcom").getState()).isEqualTo(State.CLOSED);
      assertThat(service.circuitBreaker("retell").getState()).isEqualTo(State.CLOSED);
    });
  }

  @Test
  void scriptsCanTellUnknownNamesAndBadInputApart(RedisServer redis, @KeyPrefix String prefix) {
    service(redis, prefix);
    String[] conn = {"--url", redis.address(), "--key-prefix", prefix};

    assertThat(run("", concat(new String[] {"status", "nope"}, conn))).isEqualTo(R4jCli.NOT_FOUND);
    assertThat(err.toString()).isEqualTo(
        "r4j: no circuit breaker named 'nope' under prefix '" + prefix + "'" + System.lineSeparator());
    assertThat(run("", concat(new String[] {"force-open", "nope", "--yes"}, conn))).isEqualTo(R4jCli.NOT_FOUND);

    assertThat(run("", concat(new String[] {"status", "x".repeat(300)}, conn))).isEqualTo(R4jCli.USAGE);
    assertThat(err.toString()).startsWith("r4j: circuit breaker name must be at most 200 characters");

    assertThat(run("", concat(new String[] {"reset"}, conn))).isEqualTo(R4jCli.USAGE);
    assertThat(err.toString()).contains("Error: Missing required argument");
    assertThat(run("", concat(new String[] {"reset", "calcom", "--all"}, conn))).isEqualTo(R4jCli.USAGE);
    assertThat(run("", concat(new String[] {"watch", "--interval", "PT0.01S"}, conn))).isEqualTo(R4jCli.USAGE);
    assertThat(err.toString()).contains("--interval must be at least 100ms, was PT0.01S");
  }

  @Test
  void watchPrintsAFrameEachIntervalAndJsonLines(RedisServer redis, @KeyPrefix String prefix) throws Exception {
    service(redis, prefix);

    assertThat(run("", "watch", "--count", "2", "--interval", "PT0.1S", "--url", redis.address(),
        "--key-prefix", prefix)).isEqualTo(R4jCli.OK);
    assertThat(out.toString().lines().filter(l -> l.startsWith("NAME "))).hasSize(2);
    assertThat(out.toString().lines().filter(l -> l.startsWith("calcom  OPEN"))).hasSize(2);

    assertThat(run("", "watch", "--json", "--count", "3", "--interval", "PT0.1S", "--url", redis.address(),
        "--key-prefix", prefix)).isEqualTo(R4jCli.OK);
    List<String> frames = out.toString().lines().toList();
    assertThat(frames).hasSize(3);
    for (String frame : frames) {
      assertThat(new ObjectMapper().readTree(frame)).hasSize(2);
    }
  }

  @Test
  void pingAnswersWithTheAddressItReached(RedisServer redis) {
    assertThat(run("", "ping", "--url", redis.address())).isEqualTo(R4jCli.OK);
    assertThat(out.toString()).isEqualTo("PONG from " + redis.address() + System.lineSeparator());
  }

  @Test
  void aKilledServerGivesTheUnreachableCode(@Dedicated RedisServer redis) {
    redis.kill();

    assertThat(run("", "status", "--url", redis.address())).isEqualTo(R4jCli.UNREACHABLE);
    assertThat(err.toString()).isEqualTo("r4j: cannot reach Redis at " + redis.address() + ": Connection refused: "
        + redis.host() + "/" + redis.host() + ":" + redis.port() + System.lineSeparator());
  }

  @Test
  void aServerThatIsNotRedisIsNamedSo() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.start();
    try {
      String url = "redis://127.0.0.1:" + http.getAddress().getPort();

      assertThat(run("", "status", "--url", url)).isEqualTo(R4jCli.UNREACHABLE);
      assertThat(err.toString()).startsWith("r4j: cannot reach Redis at " + url
          + ": the server does not speak Redis's protocol (it answered 'HTTP/1.1 400 Bad Request").endsWith(
          "'): is --url the Redis port?" + System.lineSeparator());
    } finally {
      http.stop(0);
    }
  }

  @Test
  void anEmptyPrefixNamesThePrefixesThatHaveBreakers(RedisServer redis, @KeyPrefix String prefix) {
    service(redis, prefix);

    assertThat(run("", "status", "--url", redis.address(), "--key-prefix", "nothing-here")).isEqualTo(R4jCli.OK);
    assertThat(out.toString()).isEqualTo("No circuit breakers." + System.lineSeparator());
    assertThat(err.toString()).startsWith("r4j: nothing under prefix 'nothing-here'; Redis has circuit breakers under ")
        .contains("'" + prefix + "'").endsWith(" (--key-prefix)" + System.lineSeparator());
  }

  /** Inside another program (or a test) {@code --password} reads the first line of the input given. */
  @Test
  void passwordReadsTheFirstLineOfInputAndNeverPrintsIt() throws Exception {
    try (RedisServer redis = RedisServer.builder().password("the-right-one").start()) {
      assertThat(run("the-right-one\n", "status", "--password", "--json", "--url", redis.address()))
          .as(err.toString()).isEqualTo(R4jCli.OK);
      assertThat(new ObjectMapper().readTree(out.toString()).isArray()).isTrue();
      assertThat(out.toString() + err.toString()).doesNotContain("the-right-one").doesNotContain("password");

      assertThat(run("", "status", "--password", "--url", redis.address())).isEqualTo(R4jCli.USAGE);
      assertThat(err.toString()).isEqualTo(
          "r4j: --password: standard input ended before a password line" + System.lineSeparator());
    }
  }

  /** A wrong or missing password is not a network outage: it is named, with its own exit code. */
  @Test
  void aWrongOrMissingPasswordIsNamedAndHasItsOwnCode() throws Exception {
    try (RedisServer redis = RedisServer.builder().password("the-right-one").start()) {
      String hostPort = redis.address().substring("redis://".length());

      assertThat(run("", "status", "--url", "redis://:wrong@" + hostPort)).as(err.toString()).isEqualTo(R4jCli.AUTH_FAILED);
      assertThat(err.toString()).startsWith("r4j: Redis at redis://" + hostPort + " refused the credentials")
          .doesNotContain("wrong").doesNotContain("RedisConnectionException");
      err.getBuffer().setLength(0);

      assertThat(run("", "status", "--url", "redis://" + hostPort)).as(err.toString()).isEqualTo(R4jCli.AUTH_FAILED);
      assertThat(err.toString()).startsWith("r4j: Redis at redis://" + hostPort + " refused the credentials");
      err.getBuffer().setLength(0);

      assertThat(run("", "status", "--url", "redis://:the-right-one@" + hostPort)).as(err.toString()).isEqualTo(R4jCli.OK);
    }
  }

  @Test
  void badUrlIsAUsageErrorThatNeverEchoesThePassword() {
    assertThat(run("", "status", "--url", "http://admin:hunter2@cache:6379")).isEqualTo(R4jCli.USAGE);
    assertThat(err.toString())
        .contains("--url must be redis://host:port or rediss://host:port, was 'http://***@cache:6379'")
        .doesNotContain("hunter2");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
