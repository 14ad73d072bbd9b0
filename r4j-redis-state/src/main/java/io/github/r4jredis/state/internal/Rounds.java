package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Which breakers the sync thread visits at a tick. A breaker in use is <em>hot</em>: visited at
 * every tick. One that went idle (see {@link Member#coolable}) is <em>cold</em>: visited once per
 * reconcile interval, a share of the cold ones at each tick, so that 100,000 idle breakers cost
 * the sync thread about 1/reconcile of what they would cost hot. A call, a step or a message
 * brings a cold breaker back at once ({@link #warm}).
 *
 * <p>A pipeline holds so many calls at most ({@link Sink#full}): a tick that fills it resumes
 * the hot ones where it stopped at the next tick, so that none is starved by the others, and
 * steps and requests (a trial episode's claim or verdict) go before everything else.
 *
 * <p>Thread-safety: {@link #add}, {@link #warm}, {@link #remove} and the counts may be called
 * from any thread; everything else belongs to the sync thread.
 */
final class Rounds<M extends Rounds.Member> {

  /** What the rounds need of a breaker. */
  interface Member {
    /** The rounds' bookkeeping for this member, one per member. */
    Mark mark();

    /** Its own deadlines, checked at each visit. */
    void tick(long nowNanos);

    /** Whether it has a step or request waiting: those go first. */
    boolean urgent();

    /** Whether it may go cold: idle for a while, nothing to send, no deadline of its own. */
    boolean coolable(long nowNanos, long reconcileNanos);
  }

  /** The pipeline a tick fills. */
  interface Sink<M> {
    /** Whether the pipeline has no room for another member's calls. */
    boolean full();

    /** Adds the calls {@code member} has to send; whether it added any. */
    boolean collect(M member);
  }

  /** Which list holds a member. */
  enum Round { NEW, HOT, COLD }

  /** The rounds' bookkeeping kept with each member. */
  static final class Mark {
    /**
     * Set when the sync thread visits the member only once per reconcile interval; the first
     * call clears it and hands the member back to every tick ({@link #warm}).
     */
    private final AtomicBoolean cold = new AtomicBoolean();
    /** Set when the registry dropped the member: the sync thread forgets it at its next visit. */
    private volatile boolean removed;
    /** Sync thread. */
    private Round round = Round.NEW;

    /** Whether the member is visited only once per reconcile interval. Any thread: one volatile read. */
    boolean cold() {
      return cold.get();
    }
  }

  private final long syncNanos;
  private final long reconcileNanos;
  /** Members new, or called again after they went cold: the sync thread puts them in {@link #hot}. */
  private final Queue<M> warmed = new ConcurrentLinkedQueue<>();
  // Sync thread.
  private final List<M> hot = new ArrayList<>();
  private final List<M> cold = new ArrayList<>();
  private int coldCursor;
  private int rotation;
  /** The sizes of {@link #hot} and {@link #cold}, for the gauge. */
  private volatile int hotCount;
  private volatile int coldCount;

  Rounds(long syncNanos, long reconcileNanos) {
    this.syncNanos = syncNanos;
    this.reconcileNanos = reconcileNanos;
  }

  /** A new member: hot from the next tick on. Any thread. */
  void add(M member) {
    warmed.add(member);
  }

  /** The member was dropped: it leaves its list at the sync thread's next visit. Any thread. */
  void remove(M member) {
    member.mark().removed = true;
  }

  /**
   * Hands a cold member back to every tick (from the next one on). Any thread; one volatile
   * read while the member is hot.
   */
  void warm(M member) {
    AtomicBoolean flag = member.mark().cold;
    if (flag.get() && flag.compareAndSet(true, false)) {
      warmed.add(member);
    }
  }

  /** Hot members at the last count. Any thread. */
  int hotCount() {
    return hotCount;
  }

  /** Cold members at the last count. Any thread. */
  int coldCount() {
    return coldCount;
  }

  /** The hot members, after the ones warmed since the last call joined them. */
  int hotSize() {
    takeWarmed();
    return hot.size();
  }

  /** Checks every hot member's deadlines ({@link Member#tick}); the cold ones' wait for their visit. */
  void tickHot(long nowNanos) {
    takeWarmed();
    for (int i = hot.size() - 1; i >= 0; i--) {
      if (!droppedAt(hot, i)) { // nothing of a member the registry dropped is sent any more
        hot.get(i).tick(nowNanos);
      }
    }
  }

  /** Runs {@code action} on every hot member (a cold one holds no outcome). */
  void forEachHot(Consumer<M> action) {
    hot.forEach(action);
  }

  /**
   * Fills a pipeline: the hot members' steps and requests first, then the cold members' share of
   * this tick, then every hot member from where the last tick stopped, until the pipeline is
   * full. Idle hot members go cold afterwards; cold ones that had work go hot.
   *
   * @return whether every hot member was visited (if not, the rest wait for the next tick)
   */
  boolean collect(long nowNanos, Sink<M> sink) {
    takeWarmed();
    int size = hot.size();
    // Steps and requests first: a trial episode's start or verdict must not wait behind the
    // flushes and reads of thousands of breakers (after a resubscribe every one reads again).
    Set<M> first = new HashSet<>();
    for (M member : hot) {
      if (sink.full()) {
        break;
      }
      if (member.urgent()) {
        first.add(member);
        sink.collect(member);
      }
    }
    // The cold share next: a few visits, mostly without a call, that busy members filling every
    // pipeline must not starve (a keep-alive flush, a read a message asked for).
    visitCold(sink, nowNanos);
    int examined = 0;
    for (; examined < size && !sink.full(); examined++) {
      M member = hot.get((rotation + examined) % size);
      if (!first.contains(member)) {
        sink.collect(member);
      }
    }
    rotation = size == 0 ? 0 : (rotation + Math.max(1, examined)) % size;
    cool(nowNanos);
    takeWarmed(); // cold ones that had work: hot from the next tick on
    hotCount = hot.size();
    coldCount = cold.size();
    return examined == size;
  }

  /** Moves members new or called again into the hot list. */
  private void takeWarmed() {
    boolean fromCold = false;
    for (M member = warmed.poll(); member != null; member = warmed.poll()) {
      Mark mark = member.mark();
      if (mark.removed || mark.round == Round.HOT) {
        continue;
      }
      fromCold |= mark.round == Round.COLD;
      mark.round = Round.HOT;
      hot.add(member);
    }
    if (fromCold) {
      // One pass whatever the number warmed; the cursor keeps its place among the ones that stay.
      int kept = 0;
      int cursor = 0;
      for (int read = 0; read < cold.size(); read++) {
        M member = cold.get(read);
        if (member.mark().round == Round.COLD && !member.mark().removed) {
          if (read < coldCursor) {
            cursor++;
          }
          cold.set(kept++, member);
        }
      }
      cold.subList(kept, cold.size()).clear();
      coldCursor = kept == 0 ? 0 : cursor % kept;
    }
  }

  /** Visits the cold members' share of this tick. One that has work goes hot. */
  private void visitCold(Sink<M> sink, long nowNanos) {
    int share = (int) Math.min(cold.size(), Math.ceil((double) cold.size() * syncNanos / reconcileNanos));
    for (int i = 0; i < share && !sink.full() && !cold.isEmpty(); i++) {
      coldCursor %= cold.size();
      if (droppedAt(cold, coldCursor)) {
        continue;
      }
      M member = cold.get(coldCursor);
      member.tick(nowNanos);
      if (sink.collect(member) || !member.coolable(nowNanos, reconcileNanos)) {
        warm(member);
      }
      coldCursor++;
    }
  }

  /** Moves the hot members that became idle to the cold list. */
  private void cool(long nowNanos) {
    for (int i = hot.size() - 1; i >= 0; i--) {
      if (droppedAt(hot, i)) {
        continue;
      }
      M member = hot.get(i);
      Mark mark = member.mark();
      if (!member.coolable(nowNanos, reconcileNanos)) {
        continue;
      }
      mark.round = Round.COLD;
      mark.cold.set(true);
      // Checked again after the flag: a call that recorded an outcome before it read the flag is
      // seen here; one after it finds the flag set and warms the member (see warm).
      if (!member.coolable(nowNanos, reconcileNanos) && mark.cold.compareAndSet(true, false)) {
        mark.round = Round.HOT;
        continue;
      }
      removeAt(hot, i);
      cold.add(member); // a call that warmed it meanwhile brings it back at the next takeWarmed
    }
  }

  /** Whether the registry dropped the member at {@code list[i]}; if so it leaves the list. */
  private boolean droppedAt(List<M> list, int i) {
    Mark mark = list.get(i).mark();
    if (!mark.removed) {
      return false;
    }
    mark.round = Round.NEW;
    removeAt(list, i);
    return true;
  }

  /** Removes element {@code i} by moving the last one into its place: order does not matter. */
  private void removeAt(List<M> list, int i) {
    int last = list.size() - 1;
    list.set(i, list.get(last));
    list.remove(last);
  }
}
