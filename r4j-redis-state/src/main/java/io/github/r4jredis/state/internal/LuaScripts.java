package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.LuaScript;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Lua scripts of the shared breaker and their arguments. Each script is {@code common.lua},
 * its entry file wrapped as a function and {@code many.lua}, which runs that function once or,
 * for a call of many breakers ({@link #many}), once per breaker; loaded from the class path once
 * and addressed by SHA-1 for EVALSHA.
 * Each entry file names its arguments in a table {@code ARGS}; {@link #args()} lists the same
 * names in the same order (a test compares them), and {@link #call} builds an argument list by
 * name, so that no position is written twice.
 */
public enum LuaScripts {
  /** Merge outcomes, evaluate thresholds, open, renew a trial lease. */
  FLUSH("flush.lua", join(List.of(Arg.SEQ, Arg.RENEW, Arg.SEED_MODE), Arg.SEED, List.of(Arg.EPOCH))),
  /** Start, claim, release or end a trial episode. */
  CLAIM("claim.lua", List.of(Arg.WANT, Arg.EXPECT)),
  /** The lease holder's verdict on its trial calls. */
  VERDICT("verdict.lua", List.of(Arg.EPISODE, Arg.VERDICT)),
  /** Manual transitions and reset, fleet-wide. */
  COMMAND("command.lua", join(List.of(Arg.OP, Arg.WAIT, Arg.SEED_MODE), Arg.SEED,
      List.of(Arg.CMD_SEQ, Arg.EXPECT_STATE, Arg.EXPECT_VERSION, Arg.RESERVE))),
  /** Read-only view of the shared state. */
  READ("read.lua", List.of());

  /**
   * A script argument. Every script starts with the six common ones; the names, lower-cased,
   * are the keys of the Lua table.
   */
  public enum Arg {
    /**
     * The time of the caller's breaker clock (ms) when it is not a system clock (tests), used
     * instead of Redis TIME; empty normally.
     */
    CLOCK,
    /** The pub/sub channel transitions are published on. */
    CHANNEL,
    /** The encoded breaker name, as messages carry it. */
    NAME,
    /** The calling node's id. */
    NODE,
    /**
     * The latest the fleet's time can be now, by this node (ms): its latest reply's time moved
     * on by its monotonic clock since that request left; empty before any reply. A script that
     * finds Redis's time past it acts as of this time (it ran late, or Redis TIME jumped).
     */
    EST_HI,
    /**
     * {@code "<offset> <new offset>"}: this node saw Redis TIME jump and the breaker's clock
     * offset not follow; the script moves it if it still is {@code <offset>}. Empty normally.
     */
    CO_FIX,
    /** Flush sequence of the node; 0 for a flush without outcomes. */
    SEQ,
    /** Version of the HALF_OPEN episode whose lease the node renews, or 0. */
    RENEW,
    /** '0' no seed, '1' seed if missing, '2' seed also if Redis is behind. */
    SEED_MODE,
    /** Seed: window type, C or T. */
    SEED_TYPE,
    /** Seed: window size. */
    SEED_SIZE,
    /** Seed: minimum number of calls. */
    SEED_MIN,
    /** Seed: failure rate threshold. */
    SEED_FRATE,
    /** Seed: slow call rate threshold. */
    SEED_SRATE,
    /** Seed: permitted calls in HALF_OPEN. */
    SEED_TRIALS,
    /** Seed: maximum wait in HALF_OPEN, ms (0: none). */
    SEED_MAXWAIT,
    /** Seed: state after that wait, CLOSED or OPEN. */
    SEED_AFTER,
    /** Seed: quorum of failing nodes. */
    SEED_QUORUM,
    /** Seed: trial lease duration, ms. */
    SEED_LEASE,
    /** Seed: waits in OPEN for attempts 1-32, run-length encoded. */
    SEED_WAITS,
    /** Seed: fingerprint of the shared config. */
    SEED_FP,
    /** Seed: the state the node knows. */
    SEED_STATE,
    /** Seed: the version the node knows. */
    SEED_VERSION,
    /** Seed: remaining wait in OPEN, ms. */
    SEED_REMAINING,
    /** Seed: consecutive opens. */
    SEED_ATTEMPTS,
    /** Seed: '1' when the node holds the trial lease or the reservation. */
    SEED_HOLDER,
    /** Flush: the version the outcomes were counted under. */
    EPOCH,
    /** Claim: start, lease, advance, release or expire. */
    WANT,
    /** Claim: the version of the OPEN state a start or release refers to. */
    EXPECT,
    /** Verdict: the version of the HALF_OPEN episode. */
    EPISODE,
    /** Verdict: CLOSED or OPEN. */
    VERDICT,
    /** Command: the operation. */
    OP,
    /** Command: wait in OPEN for OPEN_FOR, ms. */
    WAIT,
    /** Command: the node's command sequence number (0: none). */
    CMD_SEQ,
    /** Command: apply only in this state. */
    EXPECT_STATE,
    /** Command: apply only at this version. */
    EXPECT_VERSION,
    /** Command: '1' to take the lease or reservation. */
    RESERVE;

    /** The arguments every script starts with. */
    static final List<Arg> COMMON = List.of(CLOCK, CHANNEL, NAME, NODE, EST_HI, CO_FIX);

    /** The seed's arguments, in order. */
    static final List<Arg> SEED = List.of(SEED_TYPE, SEED_SIZE, SEED_MIN, SEED_FRATE, SEED_SRATE,
        SEED_TRIALS, SEED_MAXWAIT, SEED_AFTER, SEED_QUORUM, SEED_LEASE, SEED_WAITS, SEED_FP,
        SEED_STATE, SEED_VERSION, SEED_REMAINING, SEED_ATTEMPTS, SEED_HOLDER);

    /** The name in the Lua table. */
    public String luaName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One call of a script with its own arguments (the common ones are the engine's), typed: one
   * record per script. {@link #fill} writes them by name into the script's argument list.
   */
  public sealed interface Request permits Flush, Claim, Verdict, Command, Read {
    /** The script this call is for. */
    LuaScripts script();

    /** Sets this call's own arguments in {@code args} (an argument list of {@link #script()}). */
    void fill(ArgList args);
  }

  /** Whether a flush or command may create the breaker in Redis; a seed's arguments follow then. */
  public enum SeedMode {
    /** Never: a missing breaker is reported. */
    NONE("0"),
    /** When the breaker is missing (first flush, or Redis lost it). */
    IF_MISSING("1"),
    /** Also when Redis holds an older version than the seed's (Redis lost writes). */
    IF_BEHIND("2");

    private final String lua;

    SeedMode(String lua) {
      this.lua = lua;
    }

    /** Whether a seed goes with the call. */
    public boolean seeds() {
      return this != NONE;
    }
  }

  /**
   * A flush: this node's outcomes since the last one, as blocks (see {@code flush.lua}), a seed,
   * a trial lease renewal.
   *
   * @param sequence the flush's sequence number, 0 for a flush without outcomes
   * @param renewVersion the version of the HALF_OPEN episode whose lease this node renews, or 0
   * @param epoch the version the outcomes were counted under (0: the node never heard from Redis)
   * @param blocks the outcomes, oldest first
   */
  public record Flush(long sequence, long renewVersion, SeedMode seed, long epoch, List<String> blocks)
      implements Request {
    public Flush {
      blocks = List.copyOf(blocks);
    }

    @Override
    public LuaScripts script() {
      return FLUSH;
    }

    @Override
    public void fill(ArgList args) {
      args.set(Arg.SEQ, sequence).set(Arg.RENEW, renewVersion).set(Arg.SEED_MODE, seed.lua).set(Arg.EPOCH, epoch)
          .tail(blocks);
    }
  }

  /** What a claim asks for (see {@code claim.lua}). */
  public enum Want {
    /** The reservation holder begins its episode. */
    START,
    /** Another node takes the trial lease of an episode past its deadline, free or lapsed. */
    LEASE,
    /** Automatic transition of an unreserved OPEN past its deadline. */
    ADVANCE,
    /** An idle holder gives its reservation up. */
    RELEASE,
    /** A HALF_OPEN past its maximum wait ends. */
    EXPIRE
  }

  /**
   * A claim on a trial episode.
   *
   * @param expectVersion the version of the state the claim refers to
   */
  public record Claim(Want want, long expectVersion) implements Request {
    @Override
    public LuaScripts script() {
      return CLAIM;
    }

    @Override
    public void fill(ArgList args) {
      args.set(Arg.WANT, want.name().toLowerCase(Locale.ROOT)).set(Arg.EXPECT, expectVersion);
    }
  }

  /**
   * The lease holder's verdict on its trial calls.
   *
   * @param episode the version of the HALF_OPEN episode
   * @param verdict CLOSED or OPEN
   */
  public record Verdict(long episode, State verdict) implements Request {
    public Verdict {
      if (verdict != State.CLOSED && verdict != State.OPEN) {
        throw new IllegalArgumentException("a verdict is CLOSED or OPEN, not " + verdict);
      }
    }

    @Override
    public LuaScripts script() {
      return VERDICT;
    }

    @Override
    public void fill(ArgList args) {
      args.set(Arg.EPISODE, episode).set(Arg.VERDICT, verdict.name());
    }
  }

  /**
   * A manual transition or reset, fleet-wide.
   *
   * @param op CLOSED, OPEN, OPEN_FOR, HALF_OPEN, DISABLED, METRICS_ONLY, FORCED_OPEN or RESET
   * @param waitMillis the wait in OPEN for OPEN_FOR
   * @param commandSequence the node's command sequence (0: no de-duplication)
   * @param expectState when not null, the command applies only to this state at {@code expectVersion}
   * @param reserve whether this node takes the lease (HALF_OPEN) or the reservation (OPEN)
   */
  public record Command(String op, long waitMillis, SeedMode seed, long commandSequence,
      @Nullable State expectState, long expectVersion, boolean reserve) implements Request {
    /** An operator's command: no de-duplication, no expectation, no reservation. */
    public static Command operator(String op, SeedMode seed) {
      return new Command(op, 0, seed, 0, null, 0, false);
    }

    @Override
    public LuaScripts script() {
      return COMMAND;
    }

    @Override
    public void fill(ArgList args) {
      args.set(Arg.OP, op).set(Arg.WAIT, waitMillis).set(Arg.SEED_MODE, seed.lua).set(Arg.CMD_SEQ, commandSequence)
          .set(Arg.RESERVE, reserve ? "1" : "0");
      if (expectState != null) {
        args.set(Arg.EXPECT_STATE, expectState.name()).set(Arg.EXPECT_VERSION, expectVersion);
      }
    }
  }

  /** A read of the shared state. */
  public record Read() implements Request {
    @Override
    public LuaScripts script() {
      return READ;
    }

    @Override
    public void fill(ArgList args) {
      // only the common arguments
    }
  }

  private final String file;
  private final LuaScript script;
  private final List<Arg> args;
  private final Map<Arg, Integer> positions = new EnumMap<>(Arg.class);

  LuaScripts(String file, List<Arg> own) {
    this.file = file;
    this.script = LuaScript.of(resource("common.lua") + "\nlocal function entry()\n" + resource(file) + "\nend\n"
        + resource("many.lua"));
    List<Arg> all = new ArrayList<>(Arg.COMMON);
    all.addAll(own);
    this.args = List.copyOf(all);
    for (int i = 0; i < args.size(); i++) {
      positions.put(args.get(i), i);
    }
  }

  /** The full script text, as SCRIPT LOAD takes it. */
  public String text() {
    return script.text();
  }

  /** SHA-1 of the text, as EVALSHA takes it. */
  public String sha() {
    return script.sha();
  }

  /** The entry file's name. */
  public String file() {
    return file;
  }

  /** The entry file's own text, without {@code common.lua}. */
  public String entryText() {
    return resource(file);
  }

  /** The named arguments, in the order of the script's {@code ARGS} table. */
  public List<Arg> args() {
    return args;
  }

  /** A new argument list for this script; arguments not set are empty. */
  public ArgList call() {
    return new ArgList(this);
  }

  /** A new argument list for {@code request}'s script with its own arguments set. */
  public static ArgList call(Request request) {
    ArgList args = request.script().call();
    request.fill(args);
    return args;
  }

  /** The arguments of one call, set by name. Not thread-safe. */
  public static final class ArgList {
    private final LuaScripts script;
    private final String[] values;
    private final List<String> tail = new ArrayList<>();

    private ArgList(LuaScripts script) {
      this.script = script;
      this.values = new String[script.args.size()];
      Arrays.fill(values, "");
    }

    /**
     * Sets an argument.
     *
     * @throws IllegalArgumentException when this script has no such argument
     */
    public ArgList set(Arg arg, String value) {
      Integer position = script.positions.get(arg);
      if (position == null) {
        throw new IllegalArgumentException(script + " has no argument " + arg);
      }
      values[position] = value;
      return this;
    }

    /** Sets a numeric argument. */
    public ArgList set(Arg arg, long value) {
      return set(arg, Long.toString(value));
    }

    /** Appends to the variable part after the named arguments (a flush's blocks). */
    public ArgList tail(List<String> more) {
      tail.addAll(more);
      return this;
    }

    /** The script these arguments are for. */
    public LuaScripts script() {
      return script;
    }

    /** How many arguments there are, the variable part included. */
    public int size() {
      return values.length + tail.size();
    }

    /** The arguments as EVALSHA takes them. */
    public List<String> toList() {
      List<String> all = new ArrayList<>(values.length + tail.size());
      all.addAll(Arrays.asList(values));
      all.addAll(tail);
      return all;
    }

    /** The value of a named argument (empty when not set). */
    public String get(Arg arg) {
      Integer position = script.positions.get(arg);
      return position == null ? "" : values[position];
    }
  }

  private static List<Arg> join(List<Arg> first, List<Arg> second, List<Arg> third) {
    List<Arg> all = new ArrayList<>(first);
    all.addAll(second);
    all.addAll(third);
    return all;
  }

  private static String resource(String file) {
    return LuaScript.resource(LuaScripts.class, "/io/github/r4jredis/state/lua/" + file);
  }
}
