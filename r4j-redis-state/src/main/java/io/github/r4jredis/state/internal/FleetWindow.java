package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.FleetMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The fleet's window of one breaker, live: the window Redis last reported plus this node's
 * outcomes it has not acknowledged yet (while the fleet counts calls: CLOSED, METRICS_ONLY),
 * counted as Resilience4j counts its own: a COUNT_BASED window holds at most its size, a rate is
 * -1 below the minimum number of calls. Each read takes one view. Thread-safe.
 */
final class FleetWindow implements FleetMetrics {

  private final Supplier<SharedView> view;
  private final Supplier<OutcomeLog.Counts> unacknowledged;
  private final LongSupplier notPermitted;
  private final boolean countBased;
  private final int windowSize;
  private final int minimumCalls;

  /**
   * @param view the breaker's latest shared view
   * @param unacknowledged this node's outcomes Redis has not acknowledged
   * @param notPermitted the calls this node did not permit
   */
  FleetWindow(CircuitBreakerConfig config, Supplier<SharedView> view, Supplier<OutcomeLog.Counts> unacknowledged,
      LongSupplier notPermitted) {
    this.view = view;
    this.unacknowledged = unacknowledged;
    this.notPermitted = notPermitted;
    this.countBased = config.getSlidingWindowType() == SlidingWindowType.COUNT_BASED;
    this.windowSize = config.getSlidingWindowSize();
    this.minimumCalls = minimumCalls(config);
  }

  /** The calls a window needs before its rates count: a COUNT_BASED window's size at most. */
  static int minimumCalls(CircuitBreakerConfig config) {
    return config.getSlidingWindowType() == SlidingWindowType.COUNT_BASED
        ? Math.min(config.getMinimumNumberOfCalls(), config.getSlidingWindowSize())
        : config.getMinimumNumberOfCalls();
  }

  /** One read of the window: a COUNT_BASED one holds at most its size, counts at most what it holds. */
  private record Window(int buffered, int failed, int slow, int slowFailed) {}

  private Window window() {
    SharedView v = view.get();
    OutcomeLog.Counts mine = v.state() == State.CLOSED || v.state() == State.METRICS_ONLY
        ? unacknowledged.get() : new OutcomeLog.Counts();
    long calls = v.calls() + mine.calls();
    int buffered = clamp(countBased ? Math.min(calls, windowSize) : calls);
    int slow = Math.min(clamp(v.slowCalls() + mine.slowCalls()), buffered);
    return new Window(buffered, Math.min(clamp(v.failures() + mine.failures()), buffered), slow,
        Math.min(clamp(v.slowFailures() + mine.slowFailures()), slow));
  }

  private float rate(int count, int calls) {
    return calls == 0 || calls < minimumCalls ? -1f : count * 100f / calls;
  }

  @Override
  public float getFailureRate() {
    Window w = window();
    return rate(w.failed(), w.buffered());
  }

  @Override
  public float getSlowCallRate() {
    Window w = window();
    return rate(w.slow(), w.buffered());
  }

  @Override
  public int getNumberOfSlowCalls() {
    return window().slow();
  }

  @Override
  public int getNumberOfSlowSuccessfulCalls() {
    Window w = window();
    return w.slow() - w.slowFailed();
  }

  @Override
  public int getNumberOfSlowFailedCalls() {
    return window().slowFailed();
  }

  @Override
  public int getNumberOfBufferedCalls() {
    return window().buffered();
  }

  @Override
  public int getNumberOfFailedCalls() {
    return window().failed();
  }

  @Override
  public long getNumberOfNotPermittedCalls() {
    return notPermitted.getAsLong();
  }

  @Override
  public int getNumberOfSuccessfulCalls() {
    Window w = window();
    return w.buffered() - w.failed();
  }

  @Override
  public int getNumberOfReportingNodes() {
    return view.get().activeNodes();
  }

  @Override
  public int getNumberOfFailingNodes() {
    return view.get().failingNodes();
  }

  private static int clamp(long value) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, value));
  }
}
