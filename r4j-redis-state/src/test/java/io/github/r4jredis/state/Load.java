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
  /** When a call first reached the dependency since {@link #watchFirstReach()} (System.nanoTime), else 0. */
  final AtomicLong firstReachedNanos = new AtomicLong();
  final ConcurrentLinkedQueue<Throwable> breakerExceptions = new ConcurrentLinkedQueue<>();
  /** Nanoseconds each call spent in the breaker layer (permission and record), while recording. */
  private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
  private volatile boolean recording;
  private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);

  Load(List<? extends CircuitBreaker> breakers) {
    for (CircuitBreaker breaker : breakers) {
      executor.scheduleAtFixedRate(() -> call(breaker), 0, 1, TimeUnit.MILLISECONDS);
    }
  }

  private void call(CircuitBreaker breaker) {
    long start = System.nanoTime();
    try {
      if (!breaker.tryAcquirePermission()) {
        rejected.incrementAndGet();
        return;
      }
      reached.incrementAndGet();
      firstReachedNanos.compareAndSet(0, System.nanoTime());
      if (dependencyDown.get()) {
        breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("dependency down"));
      } else {
        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      breakerExceptions.add(e);
    } finally {
      if (recording) {
        latencies.add(System.nanoTime() - start);
      }
    }
  }

  /** Forgets when a call first reached the dependency: the next one that does sets it again. */
  void watchFirstReach() {
    firstReachedNanos.set(0);
  }

  /** Starts recording how long each call spends in the breaker layer. */
  void startRecording() {
    latencies.clear();
    recording = true;
  }

  /** Stops recording; the latencies recorded since {@link #startRecording()}, sorted, in nanoseconds. */
  long[] stopRecording() {
    recording = false;
    return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** The {@code q} quantile of sorted latencies, in microseconds. */
  static double micros(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000.0;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
