package io.github.r4jredis.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.io.Serial;
import java.util.List;

/**
 * A call was not made because a service it needs is down: the {@link CascadeDetector}'s cascade
 * policy fails it fast, so the caller's fallback answers at once instead of after a timeout.
 */
public class UpstreamUnavailableException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final String service;
  private final String upstream;
  private final State upstreamState;
  private final List<String> path;

  /** Creates the exception for a call of {@code service} that needs {@code upstream} through {@code path}. */
  public UpstreamUnavailableException(String service, String upstream, State upstreamState, List<String> path) {
    super(service + " not called: it needs " + upstream + ", which is " + upstreamState + " ("
        + String.join(" -> ", path) + ")", null, false, false);
    this.service = service;
    this.upstream = upstream;
    this.upstreamState = upstreamState;
    this.path = List.copyOf(path);
  }

  /** The service whose call was not made. */
  public String service() {
    return service;
  }

  /** The service it needs that is down. */
  public String upstream() {
    return upstream;
  }

  /** The state of the upstream's breaker. */
  public State upstreamState() {
    return upstreamState;
  }

  /** The chain of calls from the service to the upstream. */
  public List<String> path() {
    return path;
  }
}
