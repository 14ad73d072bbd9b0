package io.github.r4jredis.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Which services a failure drags down, from the live states of their circuit breakers: each
 * service of the {@link DependencyGraph} has the breaker of its name in the registry. With the
 * fleet-shared registry the answer is the fleet's, read from memory (no Redis call).
 *
 * <p>A service is <em>down</em> when its breaker is OPEN or FORCED_OPEN, and <em>healthy</em> when
 * its own breaker and those of everything it calls, directly or not, are CLOSED, DISABLED or
 * METRICS_ONLY (a HALF_OPEN breaker is recovering: not healthy yet, but not down).
 *
 * <p>The <b>cascade policy</b>, {@link #decorateCallable}, fails a call fast with
 * {@link UpstreamUnavailableException} while something it needs is down, without calling it, and
 * lets it through again as soon as nothing is (HALF_OPEN counts: its trial calls must flow).
 *
 * <p>Thread-safe.
 */
public final class CascadeDetector {

  /**
   * A service that is down and what it drags down.
   *
   * @param root the service whose breaker is open
   * @param state its breaker's state
   * @param impacted services that call it, directly or not, nearest first
   */
  public record Cascade(String root, State state, List<String> impacted) {

    /** Copies the list. */
    public Cascade {
      impacted = List.copyOf(impacted);
    }

    @Override
    public String toString() {
      return root + " is " + state + (impacted.isEmpty() ? ", impacting no other service"
          : ", impacting " + String.join(", ", impacted));
    }
  }

  private final DependencyGraph graph;
  private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
  private final MeterRegistry meters;

  private CascadeDetector(DependencyGraph graph, CircuitBreakerRegistry registry, MeterRegistry meters) {
    this.graph = graph;
    this.meters = meters;
    for (String service : graph.services()) {
      breakers.put(service, registry.circuitBreaker(service));
    }
    Gauge.builder(HealthMeters.CASCADES.getName(), this, d -> d.impactedServices())
        .description(HealthMeters.CASCADES.description())
        .strongReference(true)
        .register(meters);
  }

  /**
   * A detector over {@code graph}, taking (or creating) in {@code registry} the breaker of each
   * service, registering its meters in {@code meters}.
   */
  public static CascadeDetector of(DependencyGraph graph, CircuitBreakerRegistry registry, MeterRegistry meters) {
    return new CascadeDetector(Objects.requireNonNull(graph, "graph"), Objects.requireNonNull(registry, "registry"),
        Objects.requireNonNull(meters, "meters"));
  }

  /** The graph. */
  public DependencyGraph graph() {
    return graph;
  }

  /** Every service that is down, with what it drags down; empty when none is. */
  public List<Cascade> detectCascadingFailures() {
    List<Cascade> cascades = new ArrayList<>();
    breakers.forEach((service, breaker) -> {
      State state = breaker.getState();
      if (isDown(state)) {
        cascades.add(new Cascade(service, state, graph.transitiveDependentsOf(service)));
      }
    });
    return cascades;
  }

  /**
   * Whether {@code service} and everything it calls are closed.
   *
   * @throws IllegalArgumentException for a service not in the graph
   */
  public boolean isServiceHealthy(String service) {
    return problem(service).isEmpty();
  }

  /**
   * Why {@code service} is not healthy, in a sentence, or {@code "healthy"}.
   *
   * @throws IllegalArgumentException for a service not in the graph
   */
  public String getServiceHealthReason(String service) {
    return problem(service).orElse("healthy");
  }

  private Optional<String> problem(String service) {
    State own = breaker(service).getState();
    if (!isUp(own)) {
      return Optional.of(service + " is " + own);
    }
    for (String upstream : graph.transitiveUpstreamsOf(service)) {
      State state = breakers.get(upstream).getState();
      if (!isUp(state)) {
        return Optional.of("impacted: " + upstream + " is " + state + " ("
            + String.join(" -> ", graph.pathTo(service, upstream)) + ")");
      }
    }
    return Optional.empty();
  }

  /**
   * The cascade policy: {@code callable}, called only while nothing {@code service} needs is
   * down; otherwise it throws {@link UpstreamUnavailableException} at once.
   *
   * @throws IllegalArgumentException for a service not in the graph
   */
  public <T> Callable<T> decorateCallable(String service, Callable<T> callable) {
    breaker(service);
    Objects.requireNonNull(callable, "callable");
    Counter rejected = Counter.builder(HealthMeters.CASCADE_REJECTED.getName())
        .description(HealthMeters.CASCADE_REJECTED.description())
        .tag("service", service)
        .register(meters);
    return () -> {
      for (String upstream : graph.transitiveUpstreamsOf(service)) {
        State state = breakers.get(upstream).getState();
        if (isDown(state)) {
          rejected.increment();
          throw new UpstreamUnavailableException(service, upstream, state, graph.pathTo(service, upstream));
        }
      }
      return callable.call();
    };
  }

  private CircuitBreaker breaker(String service) {
    CircuitBreaker breaker = breakers.get(Objects.requireNonNull(service, "service"));
    if (breaker == null) {
      throw new IllegalArgumentException("no service '" + service + "' in the dependency graph " + graph.services());
    }
    return breaker;
  }

  private int impactedServices() {
    return (int) detectCascadingFailures().stream().flatMap(c -> c.impacted().stream()).distinct().count();
  }

  static boolean isDown(State state) {
    return state == State.OPEN || state == State.FORCED_OPEN;
  }

  static boolean isUp(State state) {
    return state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY;
  }

  @Override
  public String toString() {
    return "CascadeDetector" + detectCascadingFailures();
  }
}
