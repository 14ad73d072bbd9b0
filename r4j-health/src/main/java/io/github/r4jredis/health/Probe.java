package io.github.r4jredis.health;

import io.github.r4jredis.state.Bounds;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.BaseRedisNodes;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.config.Config;

/**
 * How to check one service: what to call, how often, how long to wait, and what to do with the
 * circuit breaker when the check fails or passes. Immutable; every {@code withXxx}-style method
 * returns a copy.
 *
 * <pre>{@code
 * Probe.http("calcom", URI.create("https://api.cal.com/health"))          // every 30 s, 5 s timeout
 * Probe.jdbc("database", dataSource)                                      // every 10 s, 3 s timeout
 * Probe.redis("redis", redisson)                                          // every 10 s, 2 s timeout
 * Probe.custom("retell", timeout -> retell.ping()).interval(Duration.ofSeconds(15))
 * Probe.http("calcom", uri).opensBreakerAfter(3).hastensRecovery()        // actions, off by default
 * }</pre>
 */
public final class Probe {

  /** What a probe calls. */
  public enum Kind { HTTP, JDBC, REDIS, CUSTOM }

  /**
   * One check: returns normally when the service is healthy, throws when it is not. It should
   * give up by {@code timeout}; a check that does not is interrupted and reported as timed out.
   */
  @FunctionalInterface
  public interface Check {
    /**
     * Checks once.
     *
     * @throws Exception when the service is not healthy; its message becomes the result's error
     */
    void run(Duration timeout) throws Exception;
  }

  /** Default interval of an HTTP probe (an external API). */
  public static final Duration DEFAULT_HTTP_INTERVAL = Duration.ofSeconds(30);
  /** Default timeout of an HTTP probe. */
  public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(5);
  /** Default interval of a JDBC probe. */
  public static final Duration DEFAULT_JDBC_INTERVAL = Duration.ofSeconds(10);
  /** Default timeout of a JDBC probe. */
  public static final Duration DEFAULT_JDBC_TIMEOUT = Duration.ofSeconds(3);
  /** Default interval of a Redis PING probe. */
  public static final Duration DEFAULT_REDIS_INTERVAL = Duration.ofSeconds(10);
  /** Default timeout of a Redis PING probe. */
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofSeconds(2);
  /** Default interval of a custom probe. */
  public static final Duration DEFAULT_CUSTOM_INTERVAL = Duration.ofSeconds(30);
  /** Default timeout of a custom probe. */
  public static final Duration DEFAULT_CUSTOM_TIMEOUT = Duration.ofSeconds(5);

  private static final String NAME_PATTERN = "[A-Za-z0-9._:@-]{1,100}";

  private final String service;
  private final Kind kind;
  private final Check check;
  private final Duration interval;
  private final Duration timeout;
  private final @Nullable String target;
  private final Set<Integer> expectedStatus;
  private final int opensBreakerAfter;
  private final boolean hastensRecovery;
  private final String breaker;

  private Probe(String service, Kind kind, Check check, Duration interval, Duration timeout, @Nullable String target,
      Set<Integer> expectedStatus, int opensBreakerAfter, boolean hastensRecovery, String breaker) {
    this.service = service;
    this.kind = kind;
    this.check = check;
    this.interval = interval;
    this.timeout = timeout;
    this.target = target;
    this.expectedStatus = expectedStatus;
    this.opensBreakerAfter = opensBreakerAfter;
    this.hastensRecovery = hastensRecovery;
    this.breaker = breaker;
  }

  private static Probe of(String service, Kind kind, Check check, Duration interval, Duration timeout,
      @Nullable String target) {
    requireServiceName(service);
    return new Probe(service, kind, check, interval, timeout, target, Set.of(), 0, false, service);
  }

  /** An HTTP(S) GET of {@code uri} that passes on any 2xx status (see {@link #expectStatus}). */
  public static Probe http(String service, URI uri) {
    return http(service, uri, null);
  }

  /** An HTTP(S) GET of {@code uri} through {@code client} (for proxies, TLS settings...). */
  public static Probe http(String service, URI uri, @Nullable HttpClient client) {
    Objects.requireNonNull(uri, "uri");
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("uri must be http or https, was " + uri);
    }
    return of(service, Kind.HTTP, new HttpCheck(uri, client, Set.of()), DEFAULT_HTTP_INTERVAL, DEFAULT_HTTP_TIMEOUT,
        uri.toString());
  }

  /** A JDBC check: a connection from {@code dataSource} and {@link Connection#isValid}. */
  public static Probe jdbc(String service, DataSource dataSource) {
    return jdbc(service, dataSource, null);
  }

  /** A JDBC check running {@code validationQuery} (such as {@code SELECT 1}) on a connection. */
  public static Probe jdbc(String service, DataSource dataSource, @Nullable String validationQuery) {
    Objects.requireNonNull(dataSource, "dataSource");
    return of(service, Kind.JDBC, timeout -> {
      int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
      try (Connection connection = dataSource.getConnection()) {
        if (validationQuery == null) {
          if (!connection.isValid(seconds)) {
            throw new HealthCheckException("the connection is not valid");
          }
        } else {
          try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(seconds);
            statement.execute(validationQuery);
          }
        }
      }
    }, DEFAULT_JDBC_INTERVAL, DEFAULT_JDBC_TIMEOUT, validationQuery);
  }

  /** A Redis PING of every master (and replica) {@code redisson} connects to. */
  public static Probe redis(String service, RedissonClient redisson) {
    Objects.requireNonNull(redisson, "redisson");
    return of(service, Kind.REDIS, timeout -> {
      if (!nodes(redisson).pingAll(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new HealthCheckException("PING got no answer from every node within " + timeout.toMillis() + " ms");
      }
    }, DEFAULT_REDIS_INTERVAL, DEFAULT_REDIS_TIMEOUT, null);
  }

  private static BaseRedisNodes nodes(RedissonClient redisson) {
    Config config = redisson.getConfig();
    if (config.isClusterConfig()) {
      return redisson.getRedisNodes(RedisNodes.CLUSTER);
    }
    if (config.isSentinelConfig()) {
      return redisson.getRedisNodes(RedisNodes.SENTINEL_MASTER_SLAVE);
    }
    return config.isSingleConfig() ? redisson.getRedisNodes(RedisNodes.SINGLE)
        : redisson.getRedisNodes(RedisNodes.MASTER_SLAVE);
  }

  /** Any check of your own. */
  public static Probe custom(String service, Check check) {
    return of(service, Kind.CUSTOM, Objects.requireNonNull(check, "check"), DEFAULT_CUSTOM_INTERVAL,
        DEFAULT_CUSTOM_TIMEOUT, null);
  }

  /** The same probe, checking every {@code interval} (at least 10 ms; with ±10 % jitter). */
  public Probe interval(Duration interval) {
    Bounds.atLeast("interval", interval, Duration.ofMillis(10));
    return new Probe(service, kind, check, interval, timeout, target, expectedStatus, opensBreakerAfter,
        hastensRecovery, breaker);
  }

  /** The same probe, cut off after {@code timeout} (at least 1 ms, at most the interval). */
  public Probe timeout(Duration timeout) {
    Bounds.atLeast("timeout", timeout, Duration.ofMillis(1));
    return new Probe(service, kind, check, interval, timeout, target, expectedStatus, opensBreakerAfter,
        hastensRecovery, breaker);
  }

  /**
   * The same HTTP probe, passing only on these statuses.
   *
   * @throws IllegalStateException when this is not an HTTP probe
   */
  public Probe expectStatus(int... statuses) {
    if (!(check instanceof HttpCheck http)) {
      throw new IllegalStateException("expectStatus applies to HTTP probes only; " + service + " is " + kind);
    }
    Set<Integer> expected = new TreeSet<>();
    for (int status : statuses) {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status must be in [100,599], was " + status);
      }
      expected.add(status);
    }
    if (expected.isEmpty()) {
      throw new IllegalArgumentException("expectStatus needs at least one status");
    }
    return new Probe(service, kind, new HttpCheck(http.uri, http.client, Set.copyOf(expected)), interval, timeout,
        target, Set.copyOf(expected), opensBreakerAfter, hastensRecovery, breaker);
  }

  /**
   * The same probe, opening the circuit breaker pre-emptively (fleet-wide, for a shared one) when
   * {@code consecutiveFailures} checks in a row failed and it is CLOSED or HALF_OPEN. Off by default.
   */
  public Probe opensBreakerAfter(int consecutiveFailures) {
    Bounds.atLeast("consecutiveFailures", consecutiveFailures, 1);
    return new Probe(service, kind, check, interval, timeout, target, expectedStatus, consecutiveFailures,
        hastensRecovery, breaker);
  }

  /**
   * The same probe, moving an OPEN circuit breaker to HALF_OPEN as soon as a check passes, so
   * that its trial calls come before the wait in OPEN is over. Off by default.
   */
  public Probe hastensRecovery() {
    return new Probe(service, kind, check, interval, timeout, target, expectedStatus, opensBreakerAfter, true,
        breaker);
  }

  /** The same probe, acting on the breaker {@code name} rather than the one named as the service. */
  public Probe breaker(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("breaker name must not be blank");
    }
    return new Probe(service, kind, check, interval, timeout, target, expectedStatus, opensBreakerAfter,
        hastensRecovery, name);
  }

  /** The service it checks. */
  public String service() {
    return service;
  }

  /** What it calls. */
  public Kind kind() {
    return kind;
  }

  /** The check itself. */
  public Check check() {
    return check;
  }

  /** How often. */
  public Duration interval() {
    return interval;
  }

  /** How long a check may take. */
  public Duration timeout() {
    return timeout;
  }

  /** Consecutive failures that open the breaker; 0 when the probe never opens it. */
  public int opensBreakerAfterFailures() {
    return opensBreakerAfter;
  }

  /** Whether a passing check moves an OPEN breaker to HALF_OPEN. */
  public boolean isHastensRecovery() {
    return hastensRecovery;
  }

  /** The breaker its actions apply to. */
  public String breakerName() {
    return breaker;
  }

  /** Whether it acts on a breaker at all. */
  public boolean hasActions() {
    return opensBreakerAfter > 0 || hastensRecovery;
  }

  @Override
  public String toString() {
    return "Probe[" + service + ", " + kind + (target != null ? " " + target : "")
        + (expectedStatus.isEmpty() ? "" : ", expect " + expectedStatus)
        + ", every " + interval + ", timeout " + timeout
        + (opensBreakerAfter > 0 ? ", opens " + breaker + " after " + opensBreakerAfter + " failures" : "")
        + (hastensRecovery ? ", hastens recovery of " + breaker : "") + "]";
  }

  /** GET of a URI; the status must be expected (any 2xx when none is given). */
  private record HttpCheck(URI uri, @Nullable HttpClient client, Set<Integer> expected) implements Check {

    /** Shared by the probes that bring no client of their own; request timeouts bound each call. */
    private static final class DefaultClient {
      static final HttpClient INSTANCE = HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();
    }

    @Override
    public void run(Duration timeout) throws Exception {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
          .header("User-Agent", "r4j-health").build();
      HttpClient http = client != null ? client : DefaultClient.INSTANCE;
      int status;
      try {
        status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (HttpTimeoutException e) {
        throw e; // the monitor reports it as the probe's timeout
      } catch (IOException e) { // the JDK's ConnectException has no message, nor the target
        throw new HealthCheckException("GET " + uri + ": " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
      }
      boolean ok = expected.isEmpty() ? status >= 200 && status < 300 : expected.contains(status);
      if (!ok) {
        throw new HealthCheckException("HTTP " + status + ", expected " + (expected.isEmpty() ? "2xx"
            : expected.stream().map(String::valueOf).collect(Collectors.joining(" or "))));
      }
    }
  }

  static String requireServiceName(String service) {
    Objects.requireNonNull(service, "service");
    if (!service.matches(NAME_PATTERN)) {
      throw new IllegalArgumentException("service must be 1-100 of [A-Za-z0-9._:@-], was '" + service + "'");
    }
    return service;
  }
}
