package io.github.r4jredis.state.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The pipeline the sync thread is building: each breaker adds its calls ({@link BreakerSync#collect})
 * until it holds {@value #MAX_CALLS}; it hands out the time of the tick, the engine's timing, sequence
 * numbers, the arguments every call shares, and a budget of reconcile reads, so that each breaker is
 * read about once per reconcile interval however many there are.
 *
 * <p>Sync thread only.
 */
final class Batch implements Rounds.Sink<BreakerSync> {

  /**
   * Script calls one pipeline carries at most. Few enough that a busy Redis answers a full one well
   * within localModeAfter (1,000 flushes took 500-650 ms on a loaded 2-core machine, and the node
   * went LOCAL in the middle of a trial episode: LargeRegistryIT), many enough that a sweep of
   * thousands of breakers takes a few round trips.
   */
  static final int MAX_CALLS = 250;

  /** A script call: its arguments, for which breaker, and what to do with the reply. */
  record Call(LuaScripts.ArgList args, String encodedName, BiConsumer<SharedView, Long> onReply,
      Runnable onFailure) {

    LuaScripts script() {
      return args.script();
    }

    /** Whether the call may create the breaker in Redis (it carries a seed). */
    boolean creates() {
      String mode = args.get(LuaScripts.Arg.SEED_MODE);
      return !mode.isEmpty() && !"0".equals(mode);
    }
  }

  /**
   * The engine's timing, in nanoseconds.
   *
   * @param leaseNanos how long a trial lease lives
   * @param maxFlushDelayNanos how long fast successes may wait while the fleet is far from its
   *     thresholds (0: never)
   * @param reconcileNanos how often each breaker's state is read again
   */
  record Timing(long leaseNanos, long maxFlushDelayNanos, long reconcileNanos) {}

  /** The arguments every call of a breaker carries (see {@link LuaScripts.Arg#COMMON}). */
  @FunctionalInterface
  interface Arguments {
    /**
     * @param testClockMillis the time of the breaker's clock when it is not a system clock, else
     *     null: the script uses Redis TIME
     */
    LuaScripts.ArgList of(LuaScripts.Request request, String encodedName, @Nullable Long testClockMillis);
  }

  private final List<Call> calls = new ArrayList<>();
  private final long nowNanos;
  private final Timing timing;
  private final LongSupplier sequence;
  private final Arguments arguments;
  private long reconcileBudget;

  /**
   * @param reconcileBudget how many breakers may be read for reconciling in this batch
   * @param sequence the next sequence number of this node (flushes carry node and sequence)
   */
  Batch(long nowNanos, long reconcileBudget, Timing timing, LongSupplier sequence, Arguments arguments) {
    this.nowNanos = nowNanos;
    this.reconcileBudget = reconcileBudget;
    this.timing = timing;
    this.sequence = sequence;
    this.arguments = arguments;
  }

  /** The calls added, in order. */
  List<Call> calls() {
    return calls;
  }

  /** The time of the tick building this batch ({@link System#nanoTime()}). */
  long nowNanos() {
    return nowNanos;
  }

  long leaseNanos() {
    return timing.leaseNanos();
  }

  /** How long fast successes may wait while the fleet is far from its thresholds (0: never). */
  long maxFlushDelayNanos() {
    return timing.maxFlushDelayNanos();
  }

  long reconcileNanos() {
    return timing.reconcileNanos();
  }

  long nextSequence() {
    return sequence.getAsLong();
  }

  @Override
  public boolean full() {
    return calls.size() >= MAX_CALLS;
  }

  @Override
  public boolean collect(BreakerSync sync) {
    int before = calls.size();
    sync.collect(this);
    return calls.size() > before;
  }

  /** Whether a breaker last read at {@code lastViewNanos} is as old as the reconcile interval. */
  boolean viewOld(long lastViewNanos) {
    return nowNanos - lastViewNanos >= timing.reconcileNanos();
  }

  /** Whether a breaker last read at {@code lastViewNanos} is due a reconcile read now; takes one from the budget. */
  boolean reconcileDue(long lastViewNanos) {
    if (!viewOld(lastViewNanos) || reconcileBudget <= 0) {
      return false;
    }
    reconcileBudget--;
    return true;
  }

  /** The arguments of {@code request} on {@code breaker}, the common ones set. */
  LuaScripts.ArgList call(LuaScripts.Request request, SharedCircuitBreaker breaker) {
    return arguments.of(request, breaker.encodedName(), breaker.testClockMillis());
  }

  /**
   * As {@link #call(LuaScripts.Request, SharedCircuitBreaker)}, with the breaker's clock read
   * once as {@code clockMillis}: the ages of a flush's seconds and the test clock it sends agree.
   */
  LuaScripts.ArgList call(LuaScripts.Request request, SharedCircuitBreaker breaker, long clockMillis) {
    return arguments.of(request, breaker.encodedName(), breaker.isTestClock() ? clockMillis : null);
  }

  Call call(LuaScripts.ArgList args, BiConsumer<SharedView, Long> onReply) {
    return new Call(args, args.get(LuaScripts.Arg.NAME), onReply, () -> { });
  }

  void add(Call call) {
    calls.add(call);
  }

  void add(LuaScripts.ArgList args, BiConsumer<SharedView, Long> onReply) {
    calls.add(call(args, onReply));
  }
}
