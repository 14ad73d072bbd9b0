package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.Metrics;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A breaker's {@link Metrics} ({@code getMetrics()}) when the window that applies changes with the
 * shared state: every read asks {@code window} which one applies now (the fleet's window or the
 * local machine's), so that a caller holding the object never reads a stale one. The calls not
 * permitted are the breaker's own count, whichever window applies.
 *
 * <p>Thread-safe when its suppliers are.
 */
final class SwitchingMetrics implements Metrics {

  private final Supplier<Metrics> window;
  private final LongSupplier notPermitted;

  SwitchingMetrics(Supplier<Metrics> window, LongSupplier notPermitted) {
    this.window = window;
    this.notPermitted = notPermitted;
  }

  @Override
  public float getFailureRate() {
    return window.get().getFailureRate();
  }

  @Override
  public float getSlowCallRate() {
    return window.get().getSlowCallRate();
  }

  @Override
  public int getNumberOfSlowCalls() {
    return window.get().getNumberOfSlowCalls();
  }

  @Override
  public int getNumberOfSlowSuccessfulCalls() {
    return window.get().getNumberOfSlowSuccessfulCalls();
  }

  @Override
  public int getNumberOfSlowFailedCalls() {
    return window.get().getNumberOfSlowFailedCalls();
  }

  @Override
  public int getNumberOfBufferedCalls() {
    return window.get().getNumberOfBufferedCalls();
  }

  @Override
  public int getNumberOfFailedCalls() {
    return window.get().getNumberOfFailedCalls();
  }

  @Override
  public long getNumberOfNotPermittedCalls() {
    return notPermitted.getAsLong();
  }

  @Override
  public int getNumberOfSuccessfulCalls() {
    return window.get().getNumberOfSuccessfulCalls();
  }
}
