package io.github.r4jredis.state;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady traffic on breakers: every breaker calls a simulated dependency every millisecond.
 * Counts calls that reached the dependency and collects any exception the breaker layer threw
 * (there must be none).
 */
final class Load implements AutoCloseable {

  final AtomicBoolean dependencyDown = new AtomicBoolean();
  final AtomicLong reached = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final ConcurrentLinkedQueue<Throwable> breakerExceptions = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);

  Load(List<? extends CircuitBreaker> breakers) {
    for (CircuitBreaker breaker : breakers) {
      executor.scheduleAtFixedRate(() -> call(breaker), 0, 1, TimeUnit.MILLISECONDS);
    }
  }

  private void call(CircuitBreaker breaker) {
    try {
      if (!breaker.tryAcquirePermission()) {
        rejected.incrementAndGet();
        return;
      }
      reached.incrementAndGet();
      if (dependencyDown.get()) {
        breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("dependency down"));
      } else {
        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      breakerExceptions.add(e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
