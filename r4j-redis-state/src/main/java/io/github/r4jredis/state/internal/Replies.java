package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.internal.Batch.Call;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the replies of one pipeline say, and handing each to its call. A pipeline "succeeds" even
 * when every script in it failed, so each reply is looked at: {@link #verdict} tells whether Redis
 * did the work at all (for the mode switch), {@link #apply} gives each call its reply or its
 * failure, takes in the clock of those that used Redis TIME, and counts and logs what failed.
 *
 * <p>Sync thread only.
 */
final class Replies {

  /** The sync engine's logger: operators set the level of what the sync thread logs by that one name. */
  private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

  /**
   * What a pipeline's replies say of Redis as a whole.
   *
   * @param refusal the code of the first refusal (OOM, READONLY, MISCONF, NOPERM, BUSY, ...: Redis
   *     answered and will not do the work), or null
   * @param why the refusal as a sentence for the log, empty without one
   * @param heartbeatFailure why the heartbeat write failed, in a pipeline that needed it, or null
   * @param noScript whether a call met NOSCRIPT: Redis lacks the scripts
   */
  record Verdict(@Nullable String refusal, String why, @Nullable Throwable heartbeatFailure, boolean noScript) {}

  private final SyncMeters meters;
  private final FleetClock clock;
  private final String prefix;
  private final LongSupplier nanoTime;
  private final Consumer<String> clockFixNeeded;
  /** Breakers whose script failure was logged; logged again only after one of theirs succeeded. */
  private final Set<String> scriptFailureLogged = new HashSet<>();
  private long jumpLoggedNanos;

  /**
   * @param clockFixNeeded told the encoded name of a breaker whose clock offset must move (see
   *     {@link FleetClock}): its next script carries the fix, so it should have one soon
   */
  Replies(SyncMeters meters, FleetClock clock, String prefix, LongSupplier nanoTime, Consumer<String> clockFixNeeded) {
    this.meters = meters;
    this.clock = clock;
    this.prefix = prefix;
    this.nanoTime = nanoTime;
    this.clockFixNeeded = clockFixNeeded;
    this.jumpLoggedNanos = nanoTime.getAsLong() - ModeSwitch.LOG_QUIET_NANOS;
  }

  /**
   * Whether a pipeline needs the heartbeat write to tell whether Redis does its work: when it
   * writes nothing else (a Redis check, reads only). A script that writes shows a refusal in its reply.
   */
  static boolean needsHeartbeat(List<Call> calls) {
    return calls.stream().allMatch(call -> call.script() == LuaScripts.READ);
  }

  /** What the replies of {@code calls} (and the heartbeat's after them, if {@link #needsHeartbeat}) say. */
  static Verdict verdict(List<Call> calls, List<Object> replies) {
    String refusal = null;
    String why = "";
    boolean noScript = false;
    for (int i = 0; i < replies.size(); i++) {
      if (replies.get(i) instanceof Throwable failure) {
        if (refusal == null && Refusals.code(failure) != null) {
          refusal = Refusals.code(failure);
          why = Refusals.describe(failure);
        }
        noScript |= i < calls.size() && Refusals.isNoScript(failure);
      }
    }
    Throwable heartbeat = needsHeartbeat(calls) && replies.get(calls.size()) instanceof Throwable failure
        ? failure : null;
    return new Verdict(refusal, why, heartbeat, noScript);
  }

  /**
   * Gives each call its reply ({@link Call#onReply}) or, for an error, a malformed reply or none in
   * time, its {@link Call#onFailure}. A call without answer in time is counted once per pipeline as a
   * timeout (its work goes again, as after a pipeline that timed out as a whole); a failed script
   * is counted, and logged once per breaker until one of its scripts succeeds.
   */
  void apply(List<Call> calls, List<Object> replies, long sentNanos, long receivedNanos) {
    int unanswered = 0;
    Throwable lastUnanswered = null;
    for (int i = 0; i < calls.size(); i++) {
      Call call = calls.get(i);
      Object reply = replies.get(i);
      if (reply instanceof Throwable failure) {
        if (Refusals.isNoAnswer(failure) && !Refusals.isNoScript(failure)) { // NOSCRIPT: see the verdict
          unanswered++;
          lastUnanswered = failure;
        } else if (Refusals.code(failure) == null) { // NOSCRIPT is a refusal too
          meters.failure("script");
          if (scriptFailureLogged.add(call.encodedName())) {
            LOG.warn("Script {} for breaker {} failed (logged once until it succeeds)", call.script(),
                call.encodedName(), failure);
          }
        }
        call.onFailure().run();
        continue;
      }
      SharedView view = AdminCalls.parse(reply, meters);
      if (view == null) {
        call.onFailure().run();
        continue;
      }
      if (call.args().get(LuaScripts.Arg.CLOCK).isEmpty()) { // the script used Redis TIME
        observeClock(call.encodedName(), (List<?>) reply, sentNanos, receivedNanos);
      }
      scriptFailureLogged.remove(call.encodedName());
      try {
        call.onReply().accept(view, sentNanos);
      } catch (RuntimeException e) {
        LOG.error("Applying a reply to circuit breaker {} failed", call.encodedName(), e);
      }
    }
    if (unanswered > 0) {
      meters.failure("timeout");
      LOG.debug("{} of {} calls of a pipeline got no answer in time", unanswered, calls.size(), lastUnanswered);
    }
  }

  /** Forgets a breaker this node no longer syncs. */
  void forget(String encodedName) {
    scriptFailureLogged.remove(encodedName);
  }

  /** Takes in the clock of a reply that used Redis TIME: a jump is counted and logged, a fix asked for. */
  private void observeClock(String encodedName, List<?> reply, long sentNanos, long receivedNanos) {
    SharedView.ReplyClock replyClock;
    try {
      replyClock = SharedView.clockOf(reply);
    } catch (IllegalArgumentException e) {
      return;
    }
    FleetClock.Observation seen = clock.observe(encodedName, replyClock, sentNanos, receivedNanos);
    if (seen.jumpMillis() != 0) {
      meters.clockJump();
      logJump(seen.jumpMillis());
    }
    if (seen.fix() != null) {
      clockFixNeeded.accept(encodedName);
    }
  }

  private void logJump(long jump) {
    long now = nanoTime.getAsLong();
    if (now - jumpLoggedNanos >= ModeSwitch.LOG_QUIET_NANOS) {
      jumpLoggedNanos = now;
      LOG.warn("Redis TIME jumped by {} ms (a failover to a server whose clock is off, or a stepped clock):"
          + " circuit breakers under '{}' keep the fleet's time (further jumps within a minute are counted in"
          + " r4jredis.state.redis.time.jumps)", String.format("%+d", jump), prefix);
    } else {
      LOG.debug("Redis TIME jumped by {} ms", jump);
    }
  }
}
