package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

/**
 * A change one node asks of the shared state of one breaker, sent by the sync thread.
 *
 * <p>Some are steps of this node's own state machine, which ran ahead of Redis because this node
 * decides (it holds the trial lease or the reservation, or a user moved its breaker by hand):
 * {@link Kind#TRIP}, {@link Kind#START}, {@link Kind#VERDICT}, {@link Kind#MANUAL} and
 * {@link Kind#RESULT_OPEN} form a chain, sent in order,
 * each built from the state the previous reply left; a refused step drops the rest and the node
 * follows Redis again. The others keep the fleet moving and are sent at most once at a time.
 *
 * @param kind what is asked
 * @param target the verdict (CLOSED or OPEN) or the manual operation's target state
 * @param op the command of a manual operation or of transitionOnResult (CLOSED, OPEN, OPEN_FOR,
 *     HALF_OPEN, DISABLED, METRICS_ONLY, FORCED_OPEN, RESET)
 * @param waitMillis the wait of OPEN_FOR
 * @param sequence the node's command sequence (de-duplicates a re-sent command); for a trip, the
 *     number of the call it tripped on (as the outcome log counts calls)
 * @param expectVersion the version a request applies to (release, expire, advance)
 */
record Intent(Kind kind, State target, String op, long waitMillis, long sequence, long expectVersion) {

  /** What an intent asks. */
  enum Kind {
    /**
     * This node's machine tripped on its own calls while the fleet was CLOSED: answered by the
     * reply to the flush carrying that call (taken if the fleet opened with it, for this node).
     */
    TRIP(true),
    /** The reservation holder begins its trial episode. */
    START(true),
    /** The lease holder's verdict. */
    VERDICT(true),
    /** A transition or reset made by hand on this node. */
    MANUAL(true),
    /** transitionOnResult opened this node's machine: the fleet follows if still CLOSED. */
    RESULT_OPEN(true),
    /** A node without the reservation asks for the trial lease. */
    LEASE(false),
    /** Automatic transition: OPEN past its deadline, unreserved, goes HALF_OPEN. */
    ADVANCE(false),
    /** maxWaitDurationInHalfOpenState has passed with nobody ending the episode. */
    EXPIRE(false),
    /** The reservation holder has no calls to make and gives the reservation up. */
    RELEASE(false);

    private final boolean chained;

    Kind(boolean chained) {
      this.chained = chained;
    }

    /** Whether it is a step of this node's own state machine. */
    boolean chained() {
      return chained;
    }
  }

  static Intent trip(long call) {
    return new Intent(Kind.TRIP, State.OPEN, "", 0, call, 0);
  }

  static Intent start() {
    return new Intent(Kind.START, State.HALF_OPEN, "", 0, 0, 0);
  }

  static Intent verdict(State verdict) {
    return new Intent(Kind.VERDICT, verdict, "", 0, 0, 0);
  }

  static Intent manual(State target, String op, long waitMillis, long sequence) {
    return new Intent(Kind.MANUAL, target, op, waitMillis, sequence, 0);
  }

  static Intent resultOpen(long waitMillis, long sequence) {
    return new Intent(Kind.RESULT_OPEN, State.OPEN, "OPEN_FOR", waitMillis, sequence, 0);
  }

  static Intent of(Kind kind, long expectVersion) {
    return new Intent(kind, State.HALF_OPEN, "", 0, 0, expectVersion);
  }
}
