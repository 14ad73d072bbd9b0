package io.github.r4jredis.state.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * This node's idea of the fleet's time (Redis TIME plus each breaker's clock offset, in the
 * scripts) and of jumps of Redis TIME, from the replies of scripts that used it.
 *
 * <p>A script ran between its request leaving and its reply coming, so two replies for the same
 * breaker (the same server, even on a Cluster whose masters' clocks differ a little) bound how
 * much time passed between them on this node's monotonic clock, however late either script ran.
 * Redis TIME moving by more than that, or less, by over {@value #MARGIN_MILLIS} ms, is a jump (a
 * failover to a server whose clock is off, a stepped clock). Until the breaker's offset has
 * followed it, {@link #observe} answers the fix to send ({@code "<offset> <new offset>"}: the
 * script applies it only if the offset still is what this node saw, so a jump is absorbed once
 * however many nodes saw it), and the reply's time does not become the estimate, which goes on
 * by the monotonic clock. Otherwise the reply's time becomes the estimate: nodes never push
 * their own idea of the time against each other, and only a node that saw a breaker's TIME jump
 * corrects it.
 *
 * <p>A fix waits here until a script of the breaker's takes it ({@link #takeFix}); the sync
 * thread should send one soon.
 *
 * <p>Thread-safety: {@link #observe} from one thread (the sync thread); {@link #now},
 * {@link #isKnown}, {@link #takeFix} and {@link #forget} from any.
 */
final class FleetClock {

  /** How far Redis TIME may stray from what two round trips allow before it counts as a jump (the scripts' margin too). */
  static final long MARGIN_MILLIS = 1000;

  /** What a reply showed: a jump of Redis TIME, if any (ms, else 0), and the fix to send, if any. */
  record Observation(long jumpMillis, @Nullable String fix) {}

  /** What this node last saw of one breaker's clock. */
  private static final class Seen {
    long redisTime;
    long offset;
    long sentNanos;
    long receivedNanos;
    /** A jump of Redis TIME under this breaker that its offset has not followed yet (ms), or 0. */
    long unfixed;
  }

  private final LongSupplier nanoTime;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  /** Clock offsets to move, by breaker: {@code "<offset> <new offset>"}. */
  private final Map<String, String> fixes = new ConcurrentHashMap<>();
  // The fleet's time at the latest reply adopted, and when its request left (nanoTime).
  private volatile long fleetAtReply;
  private volatile long sentAtReply;
  private volatile boolean known;

  FleetClock(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether a reply has been adopted yet. */
  boolean isKnown() {
    return known;
  }

  /**
   * The fleet's time now by this node (ms): the latest adopted reply's time moved on by the
   * monotonic clock since its request left, so an upper bound (it errs late, never early: a lease
   * or reservation is given up before Redis would take it back); the wall clock before any reply.
   */
  long now() {
    if (!known) {
      return System.currentTimeMillis();
    }
    return fleetAtReply + (nanoTime.getAsLong() - sentAtReply) / 1_000_000;
  }

  /** Takes in the clock of a reply for breaker {@code name} whose request left at {@code sentNanos}. */
  Observation observe(String name, SharedView.ReplyClock clock, long sentNanos, long receivedNanos) {
    Seen last = seen.get(name);
    long jump = 0;
    if (last == null) {
      last = new Seen();
      seen.put(name, last);
    } else {
      long earliest = last.redisTime + (sentNanos - last.receivedNanos) / 1_000_000;
      long latest = last.redisTime + (receivedNanos - last.sentNanos) / 1_000_000;
      if (clock.redisTime() < earliest - MARGIN_MILLIS || clock.redisTime() > latest + MARGIN_MILLIS) {
        jump = clock.redisTime() - (earliest + latest) / 2;
        if (clock.offset() == last.offset) {
          last.unfixed += jump;
        }
      } else if (clock.offset() != last.offset) {
        last.unfixed = 0; // moved, by this node's fix or another's
      }
    }
    last.redisTime = clock.redisTime();
    last.offset = clock.offset();
    last.sentNanos = sentNanos;
    last.receivedNanos = receivedNanos;
    if (last.unfixed != 0) {
      String fix = clock.offset() + " " + (clock.offset() - last.unfixed);
      fixes.put(name, fix);
      return new Observation(jump, fix);
    }
    fixes.remove(name); // the offset moved: a fix not sent yet is no longer needed
    fleetAtReply = clock.fleetTime();
    sentAtReply = sentNanos;
    known = true;
    return new Observation(jump, null);
  }

  /** The fix the offset of breaker {@code name} needs, for the script about to be sent, or null; given once. */
  @Nullable String takeFix(String name) {
    return fixes.remove(name);
  }

  /** Forgets a breaker this node no longer syncs. */
  void forget(String name) {
    seen.remove(name);
    fixes.remove(name);
  }
}
