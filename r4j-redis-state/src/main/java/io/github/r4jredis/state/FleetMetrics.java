package io.github.r4jredis.state;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * The shared sliding window of a breaker, as the whole fleet filled it: what Redis reported at
 * the last flush or read, plus what this node recorded since and Redis has not acknowledged yet.
 * Rates follow Resilience4j: -1 while the window holds fewer than {@code minimumNumberOfCalls}.
 *
 * <p>{@link #getNumberOfNotPermittedCalls()} counts this node's rejections only.
 */
public interface FleetMetrics extends CircuitBreaker.Metrics {

  /** Nodes that flushed to this breaker lately (outcomes, or a seed: the nodes using it), within the last window, at least 10 s. */
  int getNumberOfReportingNodes();

  /** Nodes that reported failed or slow calls inside the window (the quorum's count). */
  int getNumberOfFailingNodes();
}
