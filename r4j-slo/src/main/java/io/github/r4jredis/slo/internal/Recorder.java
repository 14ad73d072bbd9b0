package io.github.r4jredis.slo.internal;

import io.github.r4jredis.state.RedisCircuitBreaker;
import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSuccessEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts one service's calls on this node, from its breaker's events. The event consumer only
 * increments {@link LongAdder}s (cumulative, never reset); a flush sends the difference to what
 * it sent last, so counts that could not be sent go with the next flush.
 *
 * <p>Thread-safe: events come from any thread; flushes are serialised by the caller.
 */
final class Recorder implements RedisCircuitBreaker.CallObserver {

  /** Field names of the counters in Redis, in the order of {@link #current()}. */
  static final List<String> COUNTERS = List.of("ok", "err", "np", "ign", "slow", "fast");

  private final String service;
  private final CircuitBreaker breaker;
  private final String nodeId;
  /** Stamps transitions: the monitor's clock, the one windows are read with (events carry the system's). */
  private final Clock clock;
  private final long slowNanos;
  private final long thresholdNanos;
  final LongAdder successes = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder notPermitted = new LongAdder();
  final LongAdder ignored = new LongAdder();
  final LongAdder slow = new LongAdder();
  /** Calls within the latency objective's threshold: the latency SLI, exact (buckets are not, near it). */
  final LongAdder fast = new LongAdder();
  private final LongAdder[] buckets = new LongAdder[LatencyBuckets.COUNT];
  /** What the last successful flush sent, cumulative. Guarded by the flushing thread. */
  private final long[] sent = new long[COUNTERS.size() + LatencyBuckets.COUNT];
  private final ConcurrentLinkedQueue<String[]> transitions = new ConcurrentLinkedQueue<>();
  private final AtomicLong localTransitions = new AtomicLong();

  Recorder(CircuitBreaker breaker, String nodeId, Clock clock, Duration latencyThreshold) {
    this.service = breaker.getName();
    this.breaker = breaker;
    this.nodeId = nodeId;
    this.clock = clock;
    this.slowNanos = breaker.getCircuitBreakerConfig().getSlowCallDurationThreshold().toNanos();
    this.thresholdNanos = latencyThreshold.toNanos();
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  String service() {
    return service;
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** The event consumer of a breaker that is not ours: the call path. */
  void onEvent(CircuitBreakerEvent event) {
    switch (event.getEventType()) {
      case SUCCESS -> onSuccess(((CircuitBreakerOnSuccessEvent) event).getElapsedDuration().toNanos());
      case ERROR -> onFailure(((CircuitBreakerOnErrorEvent) event).getElapsedDuration().toNanos());
      case NOT_PERMITTED -> onNotPermitted();
      case IGNORED_ERROR -> ignored.increment();
      case STATE_TRANSITION -> onTransition((CircuitBreakerOnStateTransitionEvent) event);
      default -> { }
    }
  }

  // Our breakers tell the outcomes directly (RedisCircuitBreaker.CallObserver): no event object
  // per call; the same counts as the events give.

  @Override
  public void onSuccess(long durationNanos) {
    successes.increment();
    latency(durationNanos);
  }

  @Override
  public void onFailure(long durationNanos) {
    failures.increment();
    latency(durationNanos);
  }

  @Override
  public void onIgnoredError(long durationNanos) {
    ignored.increment();
  }

  @Override
  public void onNotPermitted() {
    notPermitted.increment();
  }

  private void latency(long nanos) {
    buckets[LatencyBuckets.index(nanos)].increment();
    if (nanos >= slowNanos) {
      slow.increment();
    }
    if (nanos <= thresholdNanos) {
      fast.increment();
    }
  }

  /**
   * A transition, to be added to the fleet's log once: every node of a shared breaker sees the
   * same transition and names it by the shared version, so the nodes' copies are one entry.
   */
  void onTransition(CircuitBreakerOnStateTransitionEvent event) {
    String id;
    if (breaker instanceof RedisCircuitBreaker shared && shared.syncMode() == SyncMode.SHARED
        && shared.stateVersion() > 0) {
      id = "v" + shared.stateVersion();
    } else {
      id = "n:" + nodeId + ":" + localTransitions.incrementAndGet();
    }
    CircuitBreaker.StateTransition transition = event.getStateTransition();
    transitions.add(new String[] {Long.toString(clock.millis()),
        id + "|" + transition.getFromState() + "|" + transition.getToState()});
  }

  private long[] current() {
    long[] now = new long[sent.length];
    now[0] = successes.sum();
    now[1] = failures.sum();
    now[2] = notPermitted.sum();
    now[3] = ignored.sum();
    now[4] = slow.sum();
    now[5] = fast.sum();
    for (int i = 0; i < buckets.length; i++) {
      now[COUNTERS.size() + i] = buckets[i].sum();
    }
    return now;
  }

  /** What is pending: fields with their increments, and the transitions taken off the queue. */
  record Pending(long[] snapshot, Map<String, Long> increments, List<String[]> transitions) {
    boolean isEmpty() {
      return increments.isEmpty() && transitions.isEmpty();
    }
  }

  Pending pending() {
    long[] now = current();
    Map<String, Long> increments = new LinkedHashMap<>();
    for (int i = 0; i < now.length; i++) {
      long delta = now[i] - sent[i];
      if (delta != 0) {
        increments.put(i < COUNTERS.size() ? COUNTERS.get(i) : "h" + (i - COUNTERS.size()), delta);
      }
    }
    List<String[]> taken = new ArrayList<>();
    for (String[] transition; (transition = transitions.poll()) != null; ) {
      taken.add(transition);
    }
    return new Pending(now, increments, taken);
  }

  /** The flush of {@code pending} went through. */
  void sent(Pending pending) {
    System.arraycopy(pending.snapshot(), 0, sent, 0, sent.length);
  }

  /** The flush of {@code pending} failed: its transitions go with the next one. */
  void failed(Pending pending) {
    transitions.addAll(pending.transitions());
  }
}
