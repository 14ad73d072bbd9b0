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

  /**
   * How many unflushed failed or slow calls make a node flush at once, given the fleet window
   * {@code v} it last saw: the bad calls the window still misses before a threshold, shared out
   * over the reporting nodes. No limit outside CLOSED and METRICS_ONLY (nothing opens then).
   */
  static long eagerThreshold(CircuitBreakerConfig config, SharedView v) {
    if (v.state() != State.CLOSED && v.state() != State.METRICS_ONLY) {
      return Long.MAX_VALUE;
    }
    long missing = Math.min(
        missingBad(config, v.calls(), v.failures(), config.getFailureRateThreshold()),
        missingBad(config, v.calls(), v.slowCalls(), config.getSlowCallRateThreshold()));
    long nodes = Math.max(1, v.activeNodes());
    return Math.max(1, (missing + nodes - 1) / nodes);
  }

  /**
   * Bad calls x to add to a window of {@code calls} calls, {@code bad} of them bad, for its rate
   * to reach {@code threshold} (percent) with at least the minimum number of calls. A
   * COUNT_BASED window that is full evicts as it takes: the x new calls replace x old ones,
   * which held bad calls in proportion.
   */
  static long missingBad(CircuitBreakerConfig config, long calls, long bad, float threshold) {
    long minimum = minimumCalls(config);
    int size = config.getSlidingWindowSize();
    boolean counted = config.getSlidingWindowType() == SlidingWindowType.COUNT_BASED;
    double rate = threshold / 100.0;
    long growing = rate >= 1.0
        ? (bad >= calls ? 0 : Long.MAX_VALUE / 4)
        : (long) Math.ceil((rate * calls - bad) / (1.0 - rate));
    long missing = Math.max(growing, minimum - calls);
    if (counted && calls + missing > size) {
      // Full window: (bad * (size - x) / calls) + x >= rate * size.
      double oldBadShare = calls == 0 ? 0 : (double) bad / calls;
      missing = oldBadShare >= 1.0 ? 0 : (long) Math.ceil((rate - oldBadShare) * size / (1.0 - oldBadShare));
      missing = Math.max(missing, minimum - Math.min(calls, size));
    }
    return Math.max(0, missing);
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
