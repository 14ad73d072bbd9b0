package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One breaker's outcomes on one node, in the order they were recorded, turned into flushes.
 *
 * <p>The call path appends each outcome to a run-length log ({@link #record}), under the second
 * of the breaker's clock it happened in (a TIME_BASED window's bucket, as Resilience4j files it);
 * the order matters because the shared COUNT_BASED window evicts its oldest calls exactly and the
 * flush script evaluates Resilience4j's rule after each run, as Resilience4j does after each
 * call. The sync thread sends the pending seconds as one flush with a sequence number; a flush whose reply did not arrive is re-sent unchanged,
 * with the same sequence, until Redis acknowledges it, and the script merges a sequence once.
 * While Redis is unreachable the seconds pile up (pruned to what the window can still hold) and
 * are sent, with their ages, when it returns. A second keeps at most {@code maxRuns} runs in
 * order; older ones are folded into an unordered prefix (its calls are counted, not ordered).
 *
 * <p>Thread-safe: every method holds the log's monitor, briefly; nothing allocates on the call
 * path unless the run buffer grows.
 */
public final class OutcomeLog {

  /** Outcome counts: of one second, of one flush, or not yet acknowledged. */
  public static final class Counts {
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

    /** Failed or slow calls. */
    public long bad() {
      return failures + slowCalls - slowFailures;
    }

    void add(Counts other) {
      calls += other.calls;
      failures += other.failures;
      slowCalls += other.slowCalls;
      slowFailures += other.slowFailures;
    }

    void add(int kind, long n) {
      calls += n;
      if (isFailure(kind)) {
        failures += n;
      }
      if (isSlow(kind)) {
        slowCalls += n;
        if (isFailure(kind)) {
          slowFailures += n;
        }
      }
    }

    void clear() {
      calls = 0;
      failures = 0;
      slowCalls = 0;
      slowFailures = 0;
    }

    Counts copy() {
      Counts copy = new Counts();
      copy.add(this);
      return copy;
    }

    Counts minus(Counts other) {
      Counts diff = copy();
      diff.calls -= other.calls;
      diff.failures -= other.failures;
      diff.slowCalls -= other.slowCalls;
      diff.slowFailures -= other.slowFailures;
      return diff;
    }
  }

  /** Outcomes in order: an unordered prefix, then runs ({@code n << 2 | kind}). */
  static class Block {
    final Counts prefix = new Counts();
    final Counts total = new Counts();
    long[] runs = new long[4];
    int size;

    void append(int kind, long n) {
      total.add(kind, n);
      if (size > 0 && (runs[size - 1] & 3) == kind) {
        runs[size - 1] += n << 2;
        return;
      }
      if (size == runs.length) {
        runs = Arrays.copyOf(runs, size * 2);
      }
      runs[size++] = n << 2 | kind;
    }

    /** Appends {@code other} after this block's calls. */
    void append(Block other) {
      if (other.prefix.calls > 0) {
        // The other's prefix has no order relative to this block's runs: all of it becomes prefix.
        prefix.clear();
        prefix.add(total);
        prefix.add(other.prefix);
        total.add(other.prefix);
        size = 0;
      }
      for (int i = 0; i < other.size; i++) {
        append((int) (other.runs[i] & 3), other.runs[i] >>> 2);
      }
    }

    /**
     * Forgets all but the newest {@code n} calls (exactly, while they are ordered runs).
     *
     * @return what was forgotten
     */
    Counts keepLast(long n) {
      Counts dropped = new Counts();
      long excess = total.calls - n;
      if (excess <= 0) {
        return dropped;
      }
      long fromPrefix = Math.min(excess, prefix.calls);
      if (fromPrefix > 0) {
        // The prefix has no order: it goes whole, or in proportion.
        Counts part = new Counts();
        part.calls = fromPrefix;
        part.failures = prefix.failures * fromPrefix / prefix.calls;
        part.slowCalls = prefix.slowCalls * fromPrefix / prefix.calls;
        part.slowFailures = Math.min(prefix.slowFailures * fromPrefix / prefix.calls, Math.min(part.failures, part.slowCalls));
        dropped.add(part);
        prefix.calls -= part.calls;
        prefix.failures -= part.failures;
        prefix.slowCalls -= part.slowCalls;
        prefix.slowFailures -= part.slowFailures;
        excess -= fromPrefix;
      }
      int first = 0;
      while (excess > 0 && first < size) {
        int kind = (int) (runs[first] & 3);
        long n0 = runs[first] >>> 2;
        long gone = Math.min(n0, excess);
        dropped.add(kind, gone);
        excess -= gone;
        if (gone == n0) {
          first++;
        } else {
          runs[first] = (n0 - gone) << 2 | kind;
        }
      }
      System.arraycopy(runs, first, runs, 0, size - first);
      size -= first;
      total.calls -= dropped.calls;
      total.failures -= dropped.failures;
      total.slowCalls -= dropped.slowCalls;
      total.slowFailures -= dropped.slowFailures;
      return dropped;
    }

    /** Folds the oldest runs into the prefix until at most {@code maxRuns} remain. */
    void cap(int maxRuns) {
      if (size <= maxRuns) {
        return;
      }
      int fold = size - maxRuns;
      for (int i = 0; i < fold; i++) {
        prefix.add((int) (runs[i] & 3), runs[i] >>> 2);
      }
      System.arraycopy(runs, fold, runs, 0, maxRuns);
      size = maxRuns;
    }

    /** As the flush script takes it: {@code <age>|<c>,<f>,<s>,<sf>|<runs>}. */
    String argument(long age) {
      StringBuilder text = new StringBuilder(16 + size * 4);
      text.append(age).append('|').append(prefix.calls).append(',').append(prefix.failures)
          .append(',').append(prefix.slowCalls).append(',').append(prefix.slowFailures).append('|');
      for (int i = 0; i < size; i++) {
        text.append(LETTERS[(int) (runs[i] & 3)]).append(runs[i] >>> 2);
      }
      return text.toString();
    }
  }

  private static final class Second extends Block {
    final long second;
    /** The number of the last call in it, counting every call this log ever recorded. */
    long through;

    Second(long second) {
      this.second = second;
    }
  }

  /**
   * A flush sent and not yet acknowledged.
   *
   * @param sequence the node's flush sequence number
   * @param epoch the shared version this node held when it built the flush: the script merges
   *     it only into that episode's window
   * @param seconds the outcomes, per second of the node's clock
   * @param total all of them
   * @param through the number of its last call, counting every call the log ever recorded
   */
  public record Flush(long sequence, long epoch, List<Block> seconds, Counts total, long through) {

    /** Whether call number {@code call} (as {@link OutcomeLog#recordedCalls()} counts) is in it. */
    public boolean contains(long call) {
      return call <= through && call > through - total.calls;
    }


    /**
     * The blocks as flush arguments: a COUNT_BASED window takes every call as one block of age
     * 0; a TIME_BASED one a block per second with its age, leaving out the seconds that no longer
     * count (see {@code OutcomeLog.firstCounting}).
     */
    public List<String> arguments(long nowSecond, boolean timeBased, int windowSize, int maxRuns) {
      if (!timeBased) {
        Block all = new Block();
        seconds.forEach(all::append);
        all.cap(maxRuns);
        return List.of(all.argument(0));
      }
      List<Second> timed = seconds.stream().map(Second.class::cast).toList();
      List<String> args = new ArrayList<>();
      for (int i = firstCounting(timed, nowSecond, windowSize); i < timed.size(); i++) {
        Second second = timed.get(i);
        if (second.total.calls > 0) {
          args.add(second.argument(Math.max(0, nowSecond - second.second)));
        }
      }
      return args;
    }
  }

  private static final char[] LETTERS = {'s', 'f', 'S', 'F'};

  private final int maxRuns;
  /**
   * Fast successes not in the log yet, as {@code (second << COUNT_BITS) | count}: the call path
   * adds one with a compare-and-set instead of the monitor (most calls are fast successes); every
   * other use of the log first moves them in ({@link #fold}), so they keep their place among the
   * calls around them.
   */
  private final AtomicLong fastSuccesses = new AtomicLong();
  private static final int COUNT_BITS = 24;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  // Guarded by this.
  private final Counts recorded = new Counts();
  private final Counts acknowledged = new Counts();
  private List<Second> pending = new ArrayList<>();
  /** Outcomes set apart by episode, oldest first (see {@link #seal}). */
  private final List<Segment> sealed = new ArrayList<>();

  /**
   * Outcomes of one episode: the one Redis was in ({@code after} null, {@code epoch} known), or
   * the one a step of the node leads to ({@code after}), whose version Redis gives when it takes
   * that step.
   */
  private static final class Segment {
    final List<Second> seconds;
    final @Nullable Object after;
    final long epoch;

    Segment(List<Second> seconds, @Nullable Object after, long epoch) {
      this.seconds = seconds;
      this.after = after;
      this.epoch = epoch;
    }
  }

  /** The version of the episode a step leads to: -1 while unanswered, {@link #REFUSED} if refused. */
  public interface Epochs {
    long after(Object step);
  }

  /** What {@link Epochs#after} returns for a step Redis refused. */
  public static final long REFUSED = -2;
  private @Nullable Flush inFlight;

  /** A log keeping at most {@code maxRuns} ordered runs per second (at least 1). */
  public OutcomeLog(int maxRuns) {
    this.maxRuns = Math.max(1, maxRuns);
  }

  static int kind(boolean failure, boolean slow) {
    return (failure ? 1 : 0) | (slow ? 2 : 0);
  }

  static boolean isFailure(int kind) {
    return (kind & 1) != 0;
  }

  static boolean isSlow(int kind) {
    return (kind & 2) != 0;
  }

  /**
   * Records one call that counts towards the window. Call path.
   *
   * @return for a failed or slow call, the failed or slow calls not yet acknowledged by Redis
   *     (this one included); -1 for a fast success
   */
  public long record(boolean failure, boolean slow, long second) {
    if (!failure && !slow) {
      long counted = fastSuccesses.get();
      if (counted >> COUNT_BITS == second && (counted & COUNT_MASK) < COUNT_MASK
          && fastSuccesses.compareAndSet(counted, counted + 1)) {
        return -1;
      }
    }
    return recordInLog(failure, slow, second);
  }

  private synchronized long recordInLog(boolean failure, boolean slow, long second) {
    fold(second); // the fast successes before this call go first; later ones count under its second
    int kind = kind(failure, slow);
    append(kind, 1, second);
    return failure || slow ? recorded.bad() - acknowledged.bad() : -1;
  }

  /** Moves the fast successes into the log, and has the call path count the next ones under {@code second}. */
  private void fold(long second) {
    long counted;
    do {
      counted = fastSuccesses.get();
    } while (!fastSuccesses.compareAndSet(counted, second << COUNT_BITS));
    long successes = counted & COUNT_MASK;
    if (successes > 0) {
      append(kind(false, false), successes, counted >> COUNT_BITS);
    }
  }

  /** Moves the fast successes into the log. */
  private void fold() {
    fold(fastSuccesses.get() >> COUNT_BITS);
  }

  private void append(int kind, long calls, long second) {
    Second last = pending.isEmpty() ? null : pending.get(pending.size() - 1);
    if (last == null || last.second != second) {
      last = new Second(second);
      pending.add(last);
    }
    last.append(kind, calls);
    if (last.size > 2 * maxRuns) {
      last.cap(maxRuns);
    }
    recorded.add(kind, calls);
    last.through = recorded.calls;
  }

  /** How many calls this log recorded since it was made: the number of the latest. */
  public synchronized long recordedCalls() {
    fold();
    return recorded.calls;
  }

  /** Outcomes recorded on this node that Redis has not acknowledged (or was told to forget). */
  public synchronized Counts unacknowledged() {
    fold();
    return recorded.minus(acknowledged);
  }

  /**
   * The first of {@code seconds} (oldest first) of a TIME_BASED window that still counts at
   * {@code nowSecond}: the oldest the window holds now, or an older one the window still held at
   * that second. A flush replays each second with the window as it was then (Resilience4j's rates
   * at each call), so a second left out while a later one was measured with it would change that
   * one's rates: a success left out that way once opened a breaker at 80 % failures under a
   * 100 % threshold (DifferentialIT).
   */
  private static int firstCounting(List<Second> seconds, long nowSecond, int windowSize) {
    int firstHeld = 0;
    while (firstHeld < seconds.size() && nowSecond - seconds.get(firstHeld).second >= windowSize) {
      firstHeld++;
    }
    if (firstHeld == seconds.size()) {
      return firstHeld; // none counts any more
    }
    long measured = seconds.get(firstHeld).second;
    int first = 0;
    while (first < firstHeld && measured - seconds.get(first).second >= windowSize) {
      first++;
    }
    return first;
  }

  /**
   * Drops pending seconds that can no longer count, so that what waits while Redis is away (or
   * refuses the flushes) stays bounded: beyond the newest {@code windowSize} calls of a
   * COUNT_BASED window; in a TIME_BASED one, the seconds before {@link #firstCounting} (two
   * windows' worth at most).
   *
   * @return the number of calls dropped
   */
  public synchronized long prune(long nowSecond, boolean timeBased, int windowSize) {
    fold();
    long before = acknowledged.calls;
    int drop = 0;
    if (timeBased) {
      drop = firstCounting(pending, nowSecond, windowSize);
    } else if (!pending.isEmpty()) {
      Second last = pending.get(pending.size() - 1);
      acknowledged.add(last.keepLast(windowSize));
    }
    for (Second second : pending.subList(0, drop)) {
      acknowledged.add(second.total);
    }
    pending.subList(0, drop).clear();
    return acknowledged.calls - before;
  }

  /**
   * The flush to send now: the unacknowledged one again, else the pending seconds under a new
   * sequence, else {@code null} when there is nothing to send.
   */
  public synchronized @Nullable Flush nextFlush(LongSupplier sequences, long epoch) {
    return nextFlush(sequences, epoch, true, step -> REFUSED);
  }

  /**
   * The flush to send now: the unacknowledged one again, else the oldest sealed episode whose
   * version is known (those whose step was refused are forgotten: that episode never happened),
   * else (when {@code pendingToo}) the pending outcomes under {@code epoch}; null when there is
   * nothing to send yet.
   */
  public synchronized @Nullable Flush nextFlush(LongSupplier sequences, long epoch, boolean pendingToo,
      Epochs epochs) {
    fold();
    while (inFlight == null && !sealed.isEmpty()) {
      Segment first = sealed.get(0);
      long known = first.after == null ? first.epoch : epochs.after(first.after);
      if (known == REFUSED) {
        first.seconds.forEach(second -> acknowledged.add(second.total));
        sealed.remove(0);
      } else if (known < 0) {
        return null; // its step is on its way
      } else {
        sealed.remove(0);
        inFlight = flush(first.seconds, sequences.getAsLong(), known);
      }
    }
    if (inFlight == null && sealed.isEmpty() && pendingToo && !pending.isEmpty()) {
      inFlight = flush(pending, sequences.getAsLong(), epoch);
      pending = new ArrayList<>();
    }
    return inFlight;
  }

  private Flush flush(List<Second> from, long sequence, long epoch) {
    Counts total = new Counts();
    for (Second second : from) {
      second.cap(maxRuns);
      total.add(second.total);
    }
    return new Flush(sequence, epoch, List.copyOf(from), total, from.get(from.size() - 1).through);
  }

  /**
   * Sets the outcomes recorded so far apart, to be sent before anything recorded later and under
   * the version of their own episode: the one Redis is in ({@code after} null, version
   * {@code epoch}), or the one this node's step {@code after} leads to (its version is known when
   * Redis takes the step). The node's next step will take the shared state elsewhere.
   */
  public synchronized void seal(@Nullable Object after, long epoch) {
    fold();
    if (!pending.isEmpty()) {
      sealed.add(new Segment(pending, after, epoch));
      pending = new ArrayList<>();
    }
  }

  /**
   * Whether call number {@code call} is no longer waiting here: sent and acknowledged, or
   * forgotten (pruned, discarded, or of an episode that never happened).
   */
  public synchronized boolean isSettled(long call) {
    fold();
    if (inFlight != null && inFlight.contains(call)) {
      return false;
    }
    for (Segment segment : sealed) {
      if (!segment.seconds.isEmpty() && contains(segment.seconds, call)) {
        return false;
      }
    }
    return pending.isEmpty() || !contains(pending, call);
  }

  private static boolean contains(List<Second> seconds, long call) {
    long through = seconds.get(seconds.size() - 1).through;
    long calls = 0;
    for (Second second : seconds) {
      calls += second.total.calls;
    }
    return call <= through && call > through - calls;
  }

  /**
   * Whether all that waits to be sent is fast successes, recorded in the episode Redis is in:
   * nothing in flight, nothing set apart, no failed or slow call unacknowledged.
   */
  public synchronized boolean onlyFastSuccessesWait() {
    return inFlight == null && sealed.isEmpty() && recorded.bad() == acknowledged.bad();
  }

  /**
   * Forgets the fast successes waiting, when nothing else waits and nothing is in flight (see
   * {@link #onlyFastSuccessesWait}): the fleet's window is full of successes, where they change
   * nothing. Sync thread.
   *
   * @return whether there were any
   */
  public synchronized boolean discardWaitingSuccesses() {
    if (!onlyFastSuccessesWait()) {
      return false;
    }
    fold();
    boolean any = recorded.calls != acknowledged.calls;
    pending.clear();
    acknowledged.clear();
    acknowledged.add(recorded);
    return any;
  }

  /** Whether outcomes wait, set apart by episode. */
  public synchronized boolean hasSealed() {
    return !sealed.isEmpty();
  }

  /** The flush in flight, if any. */
  public synchronized @Nullable Flush inFlight() {
    return inFlight;
  }

  /** Redis applied (or had already applied) the flush with this sequence. */
  public synchronized void acknowledge(long sequence) {
    Flush flush = inFlight;
    if (flush != null && flush.sequence() == sequence) {
      acknowledged.add(flush.total());
      inFlight = null;
    }
  }

  /**
   * Forgets every outcome recorded so far and not yet acknowledged: they belong to a window that
   * is over. Outcomes recorded after this call still count. Any thread.
   */
  public synchronized void discardUntilNow() {
    fold();
    pending.clear();
    sealed.clear();
    inFlight = null;
    acknowledged.clear();
    acknowledged.add(recorded);
  }
}
