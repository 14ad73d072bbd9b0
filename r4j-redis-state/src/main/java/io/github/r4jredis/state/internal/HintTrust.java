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
