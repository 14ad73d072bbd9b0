package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Counts one breaker's outcomes on the hot path and turns them into flushes.
 *
 * <p>The hot path only increments striped counters ({@link #record}); the counters are never
 * reset, so no increment can be lost between a read and a reset. The sync thread samples them
 * ({@link #sample}), files the difference under the current second, and sends the pending
 * seconds as one flush with a sequence number. A flush whose reply did not arrive is re-sent
 * unchanged, with the same sequence, until Redis acknowledges it; the script applies a sequence
 * once. While Redis is unreachable the seconds keep piling up (pruned to the window), and are
 * sent, with their ages, when it returns.
 *
 * <p>Thread-safety: {@link #record}, {@link #unflushedBadOutcomes}, {@link #unacknowledged} and
 * {@link #discardUntilNow} may be called from any thread; everything else only from the sync
 * thread.
 */
public final class OutcomeCounter {

  /** Outcome counts: of one second, of one flush, or not yet acknowledged. */
  public static class Counts {
    long calls;
    long failures;
    long slowCalls;
    long slowFailures;

    /** Calls. */
    public long calls() {
      return calls;
    }

    /** Failed calls (slow or not). */
    public long failures() {
      return failures;
    }

    /** Slow calls (failed or not). */
    public long slowCalls() {
      return slowCalls;
    }

    /** Slow failed calls. */
    public long slowFailures() {
      return slowFailures;
    }

    void add(Counts other) {
      calls += other.calls;
      failures += other.failures;
      slowCalls += other.slowCalls;
      slowFailures += other.slowFailures;
    }
  }

  private static final class Second extends Counts {
    final long second;

    Second(long second) {
      this.second = second;
    }
  }

  /**
   * A flush sent and not yet acknowledged.
   *
   * @param epoch the shared version this node held when it built the flush: the script merges
   *     it only into that episode's window
   */
  public record Flush(long sequence, long epoch, List<? extends Counts> seconds, Counts total) {}

  private final LongAdder calls = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder slowCalls = new LongAdder();
  private final LongAdder slowFailures = new LongAdder();
  private volatile @Nullable Counts discardUntil;

  // Written by the sync thread only; read anywhere.
  private volatile long ackedCalls;
  private volatile long ackedFailures;
  private volatile long ackedSlow;
  private volatile long ackedSlowFailures;

  // Sync thread only.
  private final Counts sampled = new Counts();
  private final List<Second> pending = new ArrayList<>();
  private @Nullable Flush inFlight;

  /** Records one call that counts towards the window. Hot path: lock-free, no allocation. */
  public void record(boolean failure, boolean slow) {
    calls.increment();
    if (failure) {
      failures.increment();
    }
    if (slow) {
      slowCalls.increment();
      if (failure) {
        slowFailures.increment();
      }
    }
  }

  /** Whether outcomes were recorded since the last {@link #sample}. Sync thread. */
  public boolean isDirty() {
    return calls.sum() != sampled.calls;
  }

  /** Failed or slow calls recorded on this node and not yet acknowledged by Redis. */
  public long unflushedBadOutcomes() {
    long bad = failures.sum() + slowCalls.sum() - slowFailures.sum();
    return bad - (ackedFailures + ackedSlow - ackedSlowFailures);
  }

  /** Outcomes recorded on this node that Redis has not acknowledged yet. */
  public Counts unacknowledged() {
    Counts counts = new Counts();
    counts.calls = calls.sum() - ackedCalls;
    counts.failures = failures.sum() - ackedFailures;
    counts.slowCalls = slowCalls.sum() - ackedSlow;
    counts.slowFailures = slowFailures.sum() - ackedSlowFailures;
    return counts;
  }

  /** Files what was recorded since the last sample under {@code second}. */
  public void sample(long second) {
    long c = calls.sum();
    if (c == sampled.calls) {
      return;
    }
    long f = failures.sum();
    long s = slowCalls.sum();
    long sf = slowFailures.sum();
    Second bucket = pending.isEmpty() || pending.get(pending.size() - 1).second != second
        ? null : pending.get(pending.size() - 1);
    if (bucket == null) {
      bucket = new Second(second);
      pending.add(bucket);
    }
    bucket.calls += c - sampled.calls;
    bucket.failures += f - sampled.failures;
    bucket.slowCalls += s - sampled.slowCalls;
    bucket.slowFailures += sf - sampled.slowFailures;
    sampled.calls = c;
    sampled.failures = f;
    sampled.slowCalls = s;
    sampled.slowFailures = sf;
  }

  /**
   * Drops pending seconds that can no longer count: older than a TIME_BASED window, or beyond
   * the newest {@code windowSize} calls of a COUNT_BASED one. Called while Redis is away.
   */
  public void prune(long nowSecond, boolean timeBased, int windowSize) {
    int drop = 0;
    if (timeBased) {
      while (drop < pending.size() && nowSecond - pending.get(drop).second >= windowSize) {
        drop++;
      }
    } else {
      long kept = 0;
      for (int i = pending.size() - 1; i > 0; i--) {
        kept += pending.get(i).calls;
        if (kept >= windowSize) {
          drop = i;
          break;
        }
      }
    }
    for (Second second : pending.subList(0, drop)) {
      acknowledge(second);
    }
    pending.subList(0, drop).clear();
  }

  /**
   * The flush to send now: the unacknowledged one again, else the pending seconds under a new
   * sequence, else {@code null} when there is nothing to send.
   */
  public @Nullable Flush nextFlush(LongSupplier sequences, long epoch) {
    if (inFlight == null && !pending.isEmpty()) {
      Counts total = new Counts();
      pending.forEach(total::add);
      inFlight = new Flush(sequences.getAsLong(), epoch, List.copyOf(pending), total);
      pending.clear();
    }
    return inFlight;
  }

  /** Redis applied (or had already applied) the flush with this sequence. */
  public void acknowledge(long sequence) {
    Flush flush = inFlight;
    if (flush != null && flush.sequence() == sequence) {
      acknowledge(flush.total());
      inFlight = null;
    }
  }

  private void acknowledge(Counts counts) {
    ackedCalls += counts.calls;
    ackedFailures += counts.failures;
    ackedSlow += counts.slowCalls;
    ackedSlowFailures += counts.slowFailures;
  }

  /**
   * Forgets every outcome recorded so far and not yet acknowledged: they belong to a window that
   * was reset. Any thread; the sync thread applies it at its next {@link #applyDiscard()}, so
   * outcomes recorded after this call still count.
   */
  public void discardUntilNow() {
    Counts until = new Counts();
    until.calls = calls.sum();
    until.failures = failures.sum();
    until.slowCalls = slowCalls.sum();
    until.slowFailures = slowFailures.sum();
    discardUntil = until;
  }

  /** Applies a pending {@link #discardUntilNow()}. Sync thread. */
  public void applyDiscard() {
    Counts until = discardUntil;
    if (until == null) {
      return;
    }
    discardUntil = null;
    pending.forEach(this::acknowledge);
    pending.clear();
    if (inFlight != null) {
      acknowledge(inFlight.total());
      inFlight = null;
    }
    Counts unsampled = new Counts();
    unsampled.calls = Math.max(0, until.calls - sampled.calls);
    unsampled.failures = Math.max(0, until.failures - sampled.failures);
    unsampled.slowCalls = Math.max(0, until.slowCalls - sampled.slowCalls);
    unsampled.slowFailures = Math.max(0, until.slowFailures - sampled.slowFailures);
    acknowledge(unsampled);
    sampled.add(unsampled);
  }

  /**
   * A flush's outcomes as script arguments: the count n, then per second its age, calls,
   * failures, slow calls, slow failures. COUNT_BASED windows take them as one block (age 0);
   * TIME_BASED ones per second, leaving out seconds already outside the window.
   */
  public static List<String> arguments(Flush flush, long nowSecond, boolean timeBased, int windowSize) {
    List<String> args = new ArrayList<>();
    if (!timeBased) {
      args.add("1");
      add(args, 0, flush.total());
      return args;
    }
    List<String> seconds = new ArrayList<>();
    int n = 0;
    for (Counts counts : flush.seconds()) {
      long age = Math.max(0, nowSecond - ((Second) counts).second);
      if (age < windowSize && counts.calls > 0) {
        add(seconds, age, counts);
        n++;
      }
    }
    args.add(Integer.toString(n));
    args.addAll(seconds);
    return args;
  }

  private static void add(List<String> args, long age, Counts counts) {
    args.add(Long.toString(age));
    args.add(Long.toString(counts.calls));
    args.add(Long.toString(counts.failures));
    args.add(Long.toString(counts.slowCalls));
    args.add(Long.toString(counts.slowFailures));
  }
}
