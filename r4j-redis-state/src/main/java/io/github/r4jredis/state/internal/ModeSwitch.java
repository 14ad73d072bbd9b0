package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.SyncMode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * When a registry goes LOCAL and back, and which of those changes get a log line of their own.
 * Redis counts as doing its work when a pipeline came back with nothing refused (and, in a
 * pipeline of reads, the heartbeat written); the registry goes LOCAL once it has not for
 * {@code localModeAfter} while work was outstanding, and SHARED again at the first pipeline that
 * did. Times are {@link System#nanoTime()} values passed in. Sync thread only, except
 * {@link #mode()}.
 */
final class ModeSwitch {

  /** A mode change logs a line at most once in this period (plus the line that ends an incident). */
  static final long LOG_QUIET_NANOS = TimeUnit.SECONDS.toNanos(60);

  /**
   * How long Redis may be silent before going LOCAL is a warning. A registry goes LOCAL after
   * {@code localModeAfter} (500 ms) of silence, but that much is not news yet: a node connects,
   * loads the scripts and seeds every breaker on a cold JIT at start, and a loaded box answers
   * late (both used to log "Redis unreachable" on every node, then "answers again" 200 ms later).
   * Silent this long, it is an outage. A Redis that answers and refuses the work is warned of at once.
   */
  static final long SILENCE_WARN_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** A line for the log, at its level. */
  record Line(Level level, String text) {}

  private final long localAfterNanos;
  private volatile SyncMode mode = SyncMode.SHARED;
  private long lastSuccessNanos;
  private boolean answered;
  /** Whether the current LOCAL spell has had its warning. */
  private boolean spellWarned;
  private long localSinceNanos;
  private boolean failing;
  /** Why the latest pipeline did not count as Redis doing its work; empty for a timeout. */
  private String failure = "";
  /** Whether it was refused: Redis answered, and would not do the work. */
  private boolean refusing;
  private long loggedNanos;
  private int unlogged;

  ModeSwitch(Duration localModeAfter, long nowNanos) {
    this.localAfterNanos = localModeAfter.toNanos();
    this.lastSuccessNanos = nowNanos;
    this.loggedNanos = nowNanos - LOG_QUIET_NANOS;
  }

  SyncMode mode() {
    return mode;
  }

  /** Whether the latest pipeline failed or was refused (outcomes then keep only what windows hold). */
  boolean failing() {
    return failing;
  }

  /**
   * Redis did its work. Returns whether that ends LOCAL mode (the caller rejoins the fleet).
   */
  boolean succeeded(long nowNanos) {
    lastSuccessNanos = nowNanos;
    answered = true;
    failing = false;
    refusing = false;
    if (mode == SyncMode.LOCAL) {
      mode = SyncMode.SHARED;
      return true;
    }
    return false;
  }

  /**
   * A pipeline failed or was refused.
   *
   * @param why what Redis answered, for the log line of a change to LOCAL; empty when it did not
   *     answer at all
   */
  void failed(String why) {
    failing = true;
    failure = why;
    refusing = false;
  }

  /**
   * A pipeline was refused: Redis answered, and would not do the work (OOM, READONLY, NOPERM,
   * NOSCRIPT...), which no load explains.
   *
   * @param why what Redis answered, for the log line of a change to LOCAL
   */
  void refused(String why) {
    failed(why);
    refusing = true;
  }

  /**
   * Whether the registry goes LOCAL now: it is SHARED, and Redis has not done its work for
   * {@code localModeAfter} while work was outstanding ({@code outstanding}: a pipeline in flight,
   * scripts loading) or its latest pipeline failed. Returns the reason, and the mode is LOCAL
   * from then on; null otherwise.
   */
  @Nullable String goLocal(long nowNanos, boolean outstanding) {
    if (mode != SyncMode.SHARED || !(outstanding || failing) || nowNanos - lastSuccessNanos < localAfterNanos) {
      return null;
    }
    mode = SyncMode.LOCAL;
    spellWarned = false;
    localSinceNanos = nowNanos;
    long silent = Duration.ofNanos(nowNanos - lastSuccessNanos).toMillis();
    return failing && !failure.isEmpty() ? failure + ", for " + silent + " ms" : "no answer for " + silent + " ms";
  }

  /** Whether Redis has done this registry's work at least once. */
  boolean answered() {
    return answered;
  }

  /** Whether the latest pipeline was {@linkplain #refused refused}. */
  boolean refusing() {
    return refusing;
  }

  /** The current LOCAL spell has been warned of (a refusal, at once): no second warning for it. */
  void warned() {
    spellWarned = true;
  }

  /** Whether the LOCAL spell now ending (or going on) had its warning: its end is then always told. */
  boolean spellWarned() {
    return spellWarned;
  }

  /** How long ago the current LOCAL spell began, in ms, for the line that ends it. */
  long localMillis(long nowNanos) {
    return Duration.ofNanos(nowNanos - localSinceNanos).toMillis();
  }

  /**
   * Once per LOCAL spell, when Redis has been silent for {@value #SILENCE_WARN_NANOS} ns (since
   * its last answer, or since the start if it never answered) and no warning was given: why, for
   * the warning. Null otherwise.
   */
  @Nullable String silenceToWarn(long nowNanos) {
    if (spellWarned || mode != SyncMode.LOCAL || nowNanos - lastSuccessNanos < SILENCE_WARN_NANOS) {
      return null;
    }
    spellWarned = true;
    long silent = Duration.ofNanos(nowNanos - lastSuccessNanos).toMillis();
    return !failure.isEmpty() ? failure + ", for " + silent + " ms" : "no answer for " + silent + " ms";
  }

  /** The registry closes: its breakers decide locally from now on. */
  void close() {
    mode = SyncMode.LOCAL;
  }

  /**
   * Whether the mode change just made gets a line of its own: a Redis that flaps (refusing writes
   * on and off) would otherwise write one every second. A pair of changes (down, back up) is one
   * incident: the line that it is over is always logged. The ones left out are counted in the
   * next line ({@link #unloggedNote}).
   */
  boolean logChange(long nowNanos) {
    if (nowNanos - loggedNanos >= LOG_QUIET_NANOS || mode == SyncMode.SHARED && unlogged == 0) {
      loggedNanos = nowNanos;
      return true;
    }
    unlogged++;
    return false;
  }

  /** The changes not logged since the previous line, for the next one (then forgotten). */
  String unloggedNote() {
    if (unlogged == 0) {
      return "";
    }
    String note = " (" + unlogged + " more mode changes since the previous line: Redis flaps)";
    unlogged = 0;
    return note;
  }

  /**
   * The line for the change to LOCAL just made ({@code why}: what {@link #goLocal} said), for
   * {@code breakers} breakers under {@code prefix}. A refusal is warned of at once (Redis answers
   * and will not do the work: no load explains that); a Redis that has not answered yet (starting,
   * most likely) or answers late (a loaded box, or gone) is news only if it stays silent
   * ({@link #silenceLine}); a flapping Redis gets one line per quiet period ({@link #logChange}).
   */
  Line localLine(String why, int breakers, String prefix, boolean closing, long nowNanos) {
    if (closing) {
      return new Line(Level.INFO, "Registry under '" + prefix + "' closed: its " + breakers
          + " circuit breakers decide locally from now on");
    }
    if (!logChange(nowNanos)) {
      return new Line(Level.DEBUG, "Redis unreachable (" + why + "): circuit breakers under '" + prefix
          + "' decide locally");
    }
    if (refusing) {
      warned();
      return new Line(Level.WARN, why + ": " + breakers + " circuit breakers under '" + prefix
          + "' decide locally until it does the work" + unloggedNote());
    }
    if (!answered) {
      return new Line(Level.INFO, "Redis has not answered yet (" + why + "): " + breakers + " circuit breakers under '"
          + prefix + "' decide locally until it does");
    }
    return new Line(Level.INFO, "Redis is slow or unreachable (" + why + "): " + breakers + " circuit breakers under '"
        + prefix + "' decide locally until it answers" + unloggedNote());
  }

  /**
   * The line for the change back to SHARED just made: the first answer since the start, the end of
   * an outage (always told after its warning, else once per quiet period), or a DEBUG line.
   */
  Line sharedLine(boolean firstAnswer, String prefix, long nowNanos) {
    if (firstAnswer) {
      return new Line(Level.INFO, "Redis answers: circuit breakers under '" + prefix + "' follow the fleet");
    }
    if (spellWarned | logChange(nowNanos)) { // both: logChange counts the change either way
      return new Line(Level.INFO, "Redis answers again after " + localMillis(nowNanos) + " ms: circuit breakers under '"
          + prefix + "' follow the fleet" + unloggedNote());
    }
    return new Line(Level.DEBUG, "Redis answers again: circuit breakers under '" + prefix + "' follow the fleet");
  }

  /** The warning of a LOCAL spell whose silence has lasted (see {@link #silenceToWarn}), or null. */
  @Nullable Line silenceLine(long nowNanos, int breakers, String prefix) {
    String silent = silenceToWarn(nowNanos);
    if (silent == null) {
      return null;
    }
    return new Line(Level.WARN, answered
        ? "Redis unreachable (" + silent + "): " + breakers + " circuit breakers under '" + prefix
            + "' decide locally until it answers"
        : "Redis has not answered since the registry started (" + silent + "): " + breakers
            + " circuit breakers under '" + prefix + "' decide locally until it does");
  }
}
