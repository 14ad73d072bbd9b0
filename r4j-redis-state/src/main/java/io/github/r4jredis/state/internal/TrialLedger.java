package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The trial calls of one breaker's current HALF_OPEN episode on this node: how many its machine
 * permitted, how many have told their outcome, and the fleet episode (the version Redis gave it)
 * they belong to, so that each is reported to the {@link History} under that episode and the
 * checker can count exactly K per episode.
 *
 * <p>An episode is the fleet's once Redis took the step that created it; before that, its trial
 * calls are held per step ({@link #begin(Intent)}) and reported, or not, once the step is
 * answered ({@link #confirm}). An episode this node runs alone (it tripped alone, decides alone
 * in LOCAL mode, or moved by hand where the fleet does not follow) is {@linkplain #beginLocal
 * node-local}: its trial calls are in no fleet episode and are not reported.
 *
 * <p>Not thread-safe: guarded by the breaker's lock, except {@link #awaitingOutcome}, a racy read
 * the call path makes before taking the lock.
 */
final class TrialLedger {

  /** The episode of trial calls that are this node's own, in no fleet episode. */
  static final long NODE_LOCAL = -1;

  /** The trial calls permitted in an episode that {@code step} asks Redis to create. */
  private static final class Unconfirmed {
    final Intent step;
    int permits;

    Unconfirmed(Intent step) {
      this.step = step;
    }
  }

  private final LongConsumer report;
  private int permits;
  private int outcomes;
  private long lastNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  /** The fleet episode's version; 0 while the step that creates it is unanswered; {@link #NODE_LOCAL}. */
  private long episode = NODE_LOCAL;
  private final ArrayDeque<Unconfirmed> unconfirmed = new ArrayDeque<>();

  /** @param report reports one trial call permitted in the fleet episode of the version given */
  TrialLedger(LongConsumer report) {
    this.report = report;
  }

  /** A trial episode of this node begins that {@code step} asks Redis to create. */
  void begin(Intent step) {
    reset();
    episode = 0;
    unconfirmed.add(new Unconfirmed(step));
  }

  /** Redis granted this node the fresh fleet episode {@code version}: calls counted for episodes asked for before are no part of it. */
  void beginGranted(long version) {
    reset();
    episode = version;
    unconfirmed.clear();
  }

  /** A node-local trial episode begins: this node tripped alone, or moved where the fleet does not follow. */
  void beginLocal() {
    reset();
    episode = NODE_LOCAL;
  }

  /** The episode is over: no later trial call belongs to it. */
  void end() {
    episode = NODE_LOCAL;
  }

  /** This node decides alone from now on (LOCAL mode): no step of its reaches Redis. */
  void goLocal() {
    unconfirmed.clear();
    episode = NODE_LOCAL;
  }

  /**
   * Counts a trial call the machine permitted, and reports it when its fleet episode is known.
   *
   * @return that episode, or 0 when there is none yet (it is reported once the step is answered)
   *     or none at all
   */
  long permitted() {
    permits++;
    lastNanos = System.nanoTime();
    if (episode == 0 && unconfirmed.isEmpty()) {
      episode = NODE_LOCAL; // the step that would create its episode is answered already
    }
    if (episode == 0) {
      unconfirmed.peekLast().permits++;
    } else if (episode > 0) {
      report.accept(episode);
    }
    return Math.max(0, episode);
  }

  /** Whether a permitted trial call has not told its outcome yet. Racy read (see the class). */
  boolean awaitingOutcome() {
    return outcomes < permits;
  }

  /** A trial call told its outcome. */
  void outcome() {
    outcomes++;
    lastNanos = System.nanoTime();
  }

  /** Whether the trials are worth a lease: one is running, or one ran within {@code leaseNanos}. */
  boolean active(long leaseNanos) {
    return outcomes < permits || System.nanoTime() - lastNanos < leaseNanos;
  }

  /**
   * Redis answered {@code step}, which created (or refused) the episode of some trial calls. The
   * trials counted up to that step's are reported under the version Redis gave them: the episode
   * the step created, or when refused the fleet's episode they competed with; trials of a refused
   * step with no fleet episode were this node's own, as in a local trip, and are not reported.
   * Trials of a later step still in {@code chain} wait for its answer.
   */
  void confirm(Intent step, SharedView reply, boolean taken, Collection<Intent> chain) {
    boolean reported = taken || reply.state() == State.HALF_OPEN;
    for (var it = unconfirmed.iterator(); it.hasNext(); ) {
      Unconfirmed trials = it.next();
      if (trials.step != step && chain.contains(trials.step)) {
        return;
      }
      // An earlier step's entry, left when that step was answered another way, was node-local.
      if (trials.step == step && reported) {
        for (int i = 0; i < trials.permits; i++) {
          report.accept(reply.version());
        }
      }
      it.remove();
      if (!it.hasNext()) {
        episode = reported ? reply.version() : NODE_LOCAL;
      }
      if (trials.step == step) {
        return;
      }
    }
  }

  private void reset() {
    permits = 0;
    outcomes = 0;
    lastNanos = System.nanoTime();
  }
}
