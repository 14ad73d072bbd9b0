package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One breaker's own steps on their way to Redis, in order (trips, trial starts and verdicts,
 * manual moves, transitionOnResult openings: see {@link Intent}), what the node predicts from
 * them, the version the next step builds on, and the version each answered step led to.
 *
 * <p>The node runs ahead of Redis: its machine has already made each step, and it predicts the
 * shared state the last one leads to ({@link #predicted}); Redis takes the steps one at a time, or
 * refuses one when the fleet moved on. Outcomes recorded between two steps belong to the episode
 * the earlier one leads to: the chain seals the outcome log at each step ({@link #add}), and the
 * log asks which version that episode got ({@link #epochAfter}).
 *
 * <p>Thread-safety: changed under the breaker's lock. {@link #pending}, {@link #size},
 * {@link #predicted} and {@link #predictedMine} are volatile reads for the call path;
 * {@link #epochAfter} has its own monitor: the outcome log asks it while holding the log's
 * (never the breaker's lock, which is taken before the log's).
 */
final class StepChain {

  /** Steps that may wait for Redis at once (see {@link #full}). */
  static final int MAX_STEPS = 64;

  private final String nodeId;
  private final ArrayDeque<Intent> steps = new ArrayDeque<>();
  /** The version each answered step led to, or {@link OutcomeLog#REFUSED}. */
  private final Map<Intent, Long> epochs = Collections.synchronizedMap(new IdentityHashMap<>());
  private volatile int size;
  /** The shared state this node expects once its chain lands (the shared state when none). */
  private volatile State predicted;
  /** Whether that state's trial episode or reservation is this node's. */
  private volatile boolean predictedMine;
  private long base = -1;

  StepChain(String nodeId, SharedView initial) {
    this.nodeId = nodeId;
    predictFrom(initial);
  }

  /** Whether steps wait for Redis. Any thread. */
  boolean pending() {
    return size > 0;
  }

  /** How many steps wait for Redis. Any thread. */
  int size() {
    return size;
  }

  /** The shared state this node expects once its chain lands. Any thread. */
  State predicted() {
    return predicted;
  }

  /** Whether the trial episode or reservation of {@link #predicted} is this node's. Any thread. */
  boolean predictedMine() {
    return predictedMine;
  }

  /**
   * Whether the chain holds {@value #MAX_STEPS} steps: a node that moves faster than Redis takes
   * its steps (manual moves in a loop while Redis refuses them, before it counts as down) keeps no
   * more waiting.
   */
  boolean full() {
    return steps.size() >= MAX_STEPS;
  }

  /**
   * Adds a step, sealing the outcomes recorded before it: those of a chain that was empty belong to
   * the episode Redis is in ({@code view}), the others to the episode the previous step leads to.
   */
  void add(Intent step, SharedView view, OutcomeLog outcomes) {
    if (steps.isEmpty()) {
      outcomes.seal(null, view.version());
      base = view.version() > 0 ? view.version() : -1;
      if (!outcomes.hasSealed()) {
        epochs.clear(); // no outcomes wait on an earlier chain's steps
      }
    } else {
      outcomes.seal(steps.peekLast(), -1);
    }
    steps.add(step);
    size = steps.size();
    predictFrom(view);
  }

  /** The next step to send, or null. */
  @Nullable Intent head() {
    return steps.peek();
  }

  /** The steps waiting, in order (a view). */
  Collection<Intent> steps() {
    return Collections.unmodifiableCollection(steps);
  }

  /** Whether a step of {@code kind} waits. */
  boolean has(Intent.Kind kind) {
    for (Intent step : steps) {
      if (step.kind() == kind) {
        return true;
      }
    }
    return false;
  }

  /**
   * Redis answered {@code step}: taken, it led to the reply's version; refused, its episode never
   * was. The next step builds on the reply's version.
   */
  void answered(Intent step, SharedView reply, boolean taken) {
    if (steps.peek() == step) {
      steps.poll();
    }
    base = reply.version();
    epochs.put(step, taken ? reply.version() : OutcomeLog.REFUSED);
    size = steps.size();
  }

  /**
   * A trip, start or verdict was refused: the trial episodes the node ran ahead on are not the
   * fleet's, so the starts and verdicts after it are void, up to its next manual move or
   * transitionOnResult opening: those stay, and the steps after them build on them.
   *
   * @param droppedStart told each start dropped
   */
  void dropEpisodeSteps(Consumer<Intent> droppedStart) {
    for (var it = steps.iterator(); it.hasNext(); ) {
      Intent later = it.next();
      if (later.kind() == Intent.Kind.MANUAL || later.kind() == Intent.Kind.RESULT_OPEN) {
        break;
      }
      if (later.kind() == Intent.Kind.START || later.kind() == Intent.Kind.VERDICT) {
        it.remove();
        epochs.put(later, OutcomeLog.REFUSED);
        if (later.kind() == Intent.Kind.START) {
          droppedStart.accept(later);
        }
      }
    }
    size = steps.size();
  }

  /** Redis became unreachable: no step reaches it, nor do their episodes. */
  void clear(SharedView view) {
    for (Intent step : steps) {
      epochs.put(step, OutcomeLog.REFUSED);
    }
    steps.clear();
    size = 0;
    base = -1;
    predictFrom(view);
  }

  /** Predicts the shared state: the last step's target, or {@code view}'s state when none waits. */
  void predictFrom(SharedView view) {
    Intent last = steps.peekLast();
    if (last == null) {
      predicted = view.state();
      predictedMine = view.heldBy(nodeId);
    } else {
      predicted = last.target();
      predictedMine = last.target() == State.OPEN || last.target() == State.HALF_OPEN;
    }
  }

  /**
   * The version of the shared state the next step builds on: what Redis reported when the step
   * before it was answered (when the chain began: the state Redis was in then, {@code now} if it
   * had none).
   */
  long base(SharedView now) {
    if (base < 0) {
      base = now.version();
    }
    return base;
  }

  /** The version of the episode {@code step} led to, {@link OutcomeLog#REFUSED}, or -1 while unanswered. */
  long epochAfter(Object step) {
    Long version = epochs.get(step);
    return version == null ? -1 : version;
  }

  @Override
  public String toString() {
    return steps.toString();
  }
}
