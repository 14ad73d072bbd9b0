package io.github.r4jredis.state.internal;

import java.util.concurrent.TimeUnit;

/**
 * How far one breaker on this node trusts the messages about it. Pub/sub is a hint: a message's
 * claim is taken at once only over a state Redis confirmed and while no message of this breaker
 * was refuted lately; otherwise it only makes the node read Redis, and the read judges it. Redis
 * behind what a message claimed means the message was forged (the scripts publish only what they
 * wrote), and then the breaker's messages are {@linkplain #distrusted distrusted} for
 * {@value #DISTRUST_SECONDS} s, renewed by every further refuted one: under a stream of forged
 * messages a claim is in force at most once per incident, until the read it triggered returns.
 *
 * <p>Times are {@link System#nanoTime()} values passed in. Not thread-safe: guarded by the
 * breaker's lock.
 */
final class HintTrust {

  /** How long messages only prompt reads after Redis refuted one of them. */
  static final long DISTRUST_SECONDS = 10;
  private static final long DISTRUST_NANOS = TimeUnit.SECONDS.toNanos(DISTRUST_SECONDS);

  /**
   * What to do with a state Redis reported (a reply, a read: verified) or a message announced
   * beside the state held: the fencing rules of {@link #fence}.
   */
  enum Fence {
    /** A newer state: it replaces the one held. */
    NEWER,
    /**
     * Redis holds another state than the message in force claimed (forged, or Redis lost data
     * since): Redis's replaces it, and the breaker's messages are distrusted.
     */
    REFUTES,
    /** Redis confirms the state a message claimed, or the one held: nothing new. */
    SAME,
    /** A message claiming a newer state the node does not act on: it only makes the node read Redis. */
    UNHEEDED,
    /** A message older than the state held: dropped. */
    STALE,
    /**
     * A reply older than a verified state held: an earlier pipeline's, or Redis lost data (a
     * re-seed "only if behind" is a no-op in the first case and repairs the second).
     */
    BEHIND,
    /** A reply older than the message in force, asked before it came: it cannot judge it; asked again. */
    ASK_AGAIN,
    /** A message about the version held: it can only renew the lease (see {@link SharedView#holderUntil}). */
    SAME_VERSION
  }

  /** What a read says of the message this node did not act on. */
  enum Verdict {
    /** Nothing to judge, or the message was true. */
    NONE,
    /** The read was asked before the message came: a read asked after it must judge it. */
    ASK_AGAIN,
    /** Redis is behind what the message claimed. */
    FORGED
  }

  /** When the latest message this node acted on came. */
  private long actedNanos;
  private long distrustUntilNanos;
  /** The highest version a message claimed that this node did not act on, and when it came; 0 if none. */
  private long unheededVersion;
  private long unheededNanos;

  HintTrust(long nowNanos) {
    this.actedNanos = nowNanos - TimeUnit.DAYS.toNanos(1);
    this.distrustUntilNanos = nowNanos;
  }

  /** Whether messages that came at {@code receivedNanos} only prompt reads (one was refuted lately). */
  boolean distrusted(long receivedNanos) {
    return receivedNanos - distrustUntilNanos < 0;
  }

  /** A message that came at {@code receivedNanos} claimed {@code version}; the node did not act on it. */
  void unheeded(long version, long receivedNanos) {
    if (version > unheededVersion) {
      unheededVersion = version;
      unheededNanos = receivedNanos;
    }
  }

  /** The node acted on a message that came at {@code receivedNanos}. */
  void acted(long receivedNanos) {
    actedNanos = receivedNanos;
  }

  /** Whether a read asked at {@code requestedNanos} was asked before the message the node acted on came. */
  boolean predatesHint(long requestedNanos) {
    return requestedNanos - actedNanos < 0;
  }

  /** Judges the unheeded message by a read of {@code version} asked at {@code requestedNanos}. */
  Verdict judge(long version, long requestedNanos) {
    if (unheededVersion == 0) {
      return Verdict.NONE;
    }
    if (requestedNanos - unheededNanos < 0) {
      return Verdict.ASK_AGAIN; // kept for that read: this reply may have just cleared the request for one
    }
    boolean forged = version < unheededVersion;
    unheededVersion = 0;
    return forged ? Verdict.FORGED : Verdict.NONE;
  }

  /**
   * The fencing rules: whether {@code next}, reported by a request sent at {@code requestedNanos}
   * (a message: when it came), replaces {@code current}. A view older than the one held is
   * ignored, except when the held one came from an unverified message and Redis itself says
   * otherwise (a forged or stale message loses to a read sent after the message arrived); a
   * message's claim is in force only over a state Redis confirmed, and only while no message of
   * this breaker was refuted lately.
   */
  Fence fence(SharedView current, SharedView next, long requestedNanos) {
    if (next.version() > current.version()) {
      return !next.verified() && (!current.verified() || distrusted(requestedNanos)) ? Fence.UNHEEDED : Fence.NEWER;
    }
    if (next.version() < current.version()) {
      if (!next.verified()) {
        return Fence.STALE;
      }
      if (current.verified()) {
        return Fence.BEHIND;
      }
      return predatesHint(requestedNanos) ? Fence.ASK_AGAIN : Fence.REFUTES;
    }
    if (!next.verified()) {
      return Fence.SAME_VERSION;
    }
    if (current.verified() || sameState(current, next)) {
      return Fence.SAME;
    }
    // Redis holds that version, in another state than the message said, unless asked before it came.
    return next.state() != current.state() && !predatesHint(requestedNanos) ? Fence.REFUTES : Fence.NEWER;
  }

  private static boolean sameState(SharedView a, SharedView b) {
    return a.state() == b.state() && a.holder().equals(b.holder()) && a.openUntil() == b.openUntil();
  }

  /**
   * Redis refuted a message at {@code nowNanos}: the breaker's messages are distrusted for
   * {@value #DISTRUST_SECONDS} s from now.
   *
   * @return whether this begins a new incident (none was distrusted until now)
   */
  boolean refuted(long nowNanos) {
    boolean incident = !distrusted(nowNanos);
    distrustUntilNanos = nowNanos + DISTRUST_NANOS;
    return incident;
  }
}
