package io.github.r4jredis.spring;

import io.github.r4jredis.health.HealthMonitor;
import io.github.r4jredis.health.StateOverview;
import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.RedisStateException;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * The operators' JSON API, under {@code /api} (switched on by {@code r4j.redis.api.enabled}):
 * health, resilience metrics, probe history, SLOs and predictions to read; reset and force-open
 * to act on a breaker for the whole fleet.
 *
 * <p>The two actions need an authenticated user: configure Spring Security (which answers 401
 * and 403 itself); without it they answer 401 to everyone. Each action is written to the
 * {@value #AUDIT_LOGGER} logger with the user, the breaker, the outcome and the client address.
 */
@RestController
@RequestMapping("/api")
public class R4jMonitoringController {

  /** The logger of the audit trail of actions: one line per action, refused or done, every value quoted. */
  public static final String AUDIT_LOGGER = R4jAudit.LOGGER;

  private final RedisCircuitBreakerRegistry registry;
  private final ObjectProvider<StateOverview> overview;
  private final ObjectProvider<HealthMonitor> health;
  private final ObjectProvider<SloMonitor> slo;

  public R4jMonitoringController(RedisCircuitBreakerRegistry registry, ObjectProvider<StateOverview> overview,
      ObjectProvider<HealthMonitor> health, ObjectProvider<SloMonitor> slo) {
    this.registry = registry;
    this.overview = overview;
    this.health = health;
    this.slo = slo;
  }

  /** The system's health: breakers, cascades and probes (r4j-health), and what the SLO alerts say. */
  @GetMapping("/health/status")
  public Map<String, Object> healthStatus() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("nodeId", registry.nodeId());
    body.put("syncMode", registry.syncMode().name());
    StateOverview system = overview.getIfAvailable();
    SloMonitor monitor = slo.getIfAvailable();
    body.put("system", system == null ? null : system.getSystemHealth());
    body.put("slo", monitor == null ? null : monitor.getHealthStatus());
    return body;
  }

  /** Every breaker of the fleet, and each service's SLIs over the last hour. */
  @GetMapping("/metrics/resilience")
  public Map<String, Object> resilienceMetrics() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("fleet", new R4jRedisEndpoint(registry).fleet());
    SloMonitor monitor = slo.getIfAvailable();
    body.put("services", monitor == null ? Map.of() : perService(monitor.services(), monitor::getMetrics));
    return body;
  }

  /** Probe results per service, newest last, at most {@code limit} each, with their statistics. */
  @GetMapping("/health/history")
  public Map<String, Object> healthHistory(@RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) @Nullable String service) {
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be in [1,10000], was " + limit);
    }
    HealthMonitor monitor = require(health.getIfAvailable(), "no HealthMonitor bean: define one with your probes");
    Map<String, Object> body = new LinkedHashMap<>();
    for (String name : service == null ? new TreeSet<>(monitor.services()) : List.of(service)) {
      if (!monitor.services().contains(name)) {
        throw new NotFound("no probe for service '" + name + "'");
      }
      List<?> history = monitor.history(name);
      body.put(name, Map.of(
          "statistics", monitor.statistics(name),
          "results", history.subList(Math.max(0, history.size() - limit), history.size())));
    }
    return body;
  }

  /** Each service's objectives, error budget and burn rates, fleet-wide. */
  @GetMapping("/resilience/slos")
  public Map<String, Object> slos() {
    SloMonitor monitor = require(slo.getIfAvailable(), "the SLO monitor is off (r4j.redis.slo.enabled)");
    return perService(monitor.services(), monitor::getSloMetrics);
  }

  /** Each probed service's predicted status over {@code horizon} (ISO-8601, default one hour). */
  @GetMapping("/resilience/predictions")
  public Map<String, Object> predictions(@RequestParam(defaultValue = "PT1H") Duration horizon) {
    if (horizon.isNegative() || horizon.isZero() || horizon.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("horizon must be in (0,P7D], was " + horizon);
    }
    HealthMonitor monitor = require(health.getIfAvailable(), "no HealthMonitor bean: define one with your probes");
    return perService(monitor.services(), s -> monitor.predict(s, horizon));
  }

  /** Resets a breaker for the whole fleet. */
  @PostMapping("/resilience/{name}/reset")
  public ResponseEntity<Object> reset(@PathVariable String name, @Nullable Principal user, HttpServletRequest request) {
    return act("reset", name, user, request, () -> registry.reset(name) ? registry.sharedBreaker(name) : Optional.empty());
  }

  /** Forces a breaker OPEN for the whole fleet, until it is reset. */
  @PostMapping("/resilience/{name}/force-open")
  public ResponseEntity<Object> forceOpen(@PathVariable String name, @Nullable Principal user,
      HttpServletRequest request) {
    return act("force-open", name, user, request, () -> registry.transition(name, State.FORCED_OPEN));
  }

  private ResponseEntity<Object> act(String action, String name, @Nullable Principal user, HttpServletRequest request,
      Supplier<Optional<SharedBreakerState>> operation) {
    if (user == null) {
      R4jAudit.refused(action, name, null, request.getRemoteAddr(), "not authenticated");
      return error(HttpStatus.UNAUTHORIZED, action + " needs an authenticated user");
    }
    Optional<SharedBreakerState> after;
    try {
      after = operation.get();
    } catch (RuntimeException e) {
      R4jAudit.failed(action, name, user.getName(), request.getRemoteAddr(), String.valueOf(e.getMessage()));
      throw e;
    }
    if (after.isEmpty()) {
      R4jAudit.notFound(action, name, user.getName(), request.getRemoteAddr());
      return error(HttpStatus.NOT_FOUND, "no circuit breaker named '" + name + "'");
    }
    R4jAudit.done(action, name, user.getName(), request.getRemoteAddr(), after.get().state().name(),
        after.get().version());
    return ResponseEntity.ok(R4jRedisEndpoint.Breaker.of(after.get()));
  }

  private static <T> Map<String, Object> perService(Collection<String> services, Function<String, T> read) {
    Map<String, Object> body = new LinkedHashMap<>();
    new TreeSet<>(services).forEach(s -> body.put(s, read.apply(s)));
    return body;
  }

  private static <T> T require(@Nullable T bean, String why) {
    if (bean == null) {
      throw new NotFound(why);
    }
    return bean;
  }

  private static ResponseEntity<Object> error(HttpStatus status, String message) {
    return ResponseEntity.status(status).body(Map.of("status", status.value(), "error", message));
  }

  /** 404 with a message. */
  static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  @ExceptionHandler(NotFound.class)
  ResponseEntity<Object> notFound(NotFound e) {
    return error(HttpStatus.NOT_FOUND, e.getMessage());
  }

  /** A parameter that is not of its type ({@code limit=abc}): named, with the value refused. */
  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<Object> badParameter(MethodArgumentTypeMismatchException e) {
    Class<?> type = e.getRequiredType();
    String expected = type == Integer.class || type == int.class ? "an integer"
        : type == Duration.class ? "an ISO-8601 duration such as PT30M"
        : "a " + (type == null ? "value of its type" : type.getSimpleName());
    return error(HttpStatus.BAD_REQUEST, e.getName() + " must be " + expected + ", was '" + e.getValue() + "'");
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<Object> badRequest(IllegalArgumentException e) {
    return error(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  @ExceptionHandler(IllegalStateException.class)
  ResponseEntity<Object> conflict(IllegalStateException e) {
    return error(HttpStatus.CONFLICT, e.getMessage());
  }

  @ExceptionHandler(RedisStateException.class)
  ResponseEntity<Object> unavailable(RedisStateException e) {
    return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
  }
}
