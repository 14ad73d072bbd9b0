package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.StringJoiner;

/**
 * The part of a {@link CircuitBreakerConfig} the scripts apply, as the fields of a seed. The
 * first node to create a breaker in Redis writes it; a node whose config differs is told by the
 * fingerprint in every reply. Waits in OPEN are sampled once from the config's
 * {@code waitIntervalFunctionInOpenState} for attempts 1 to {@value #WAITS} (a randomized
 * backoff is thereby fixed for the fleet).
 *
 * <p>Immutable and thread-safe.
 */
public final class SharedConfig {

  /** How many consecutive opens have their own wait; later opens reuse the last. */
  public static final int WAITS = 32;
  /**
   * The longest wait the fleet keeps, in OPEN and as maxWaitDurationInHalfOpenState (2^40 ms,
   * about 35 years): an exponential backoff without a maximum reaches 10 s x 2^31 by its 32nd
   * open, and the scripts refuse any time from 2^43 ms (common.lua's TIME_MAX) so that sums of
   * times stay exact.
   */
  static final long MAX_WAIT_MILLIS = 1L << 40;

  private final List<String> fields;
  private final String fingerprint;
  private final CircuitBreakerConfig config;
  private final int quorum;

  private SharedConfig(CircuitBreakerConfig config, int quorum, List<String> fields, String fingerprint) {
    this.config = config;
    this.quorum = quorum;
    this.fields = fields;
    this.fingerprint = fingerprint;
  }

  /** The shared part of {@code config}, with the registry's quorum and trial lease. */
  public static SharedConfig of(CircuitBreakerConfig config, int quorum, Duration trialLease) {
    // Run-length encoded ("60000*32"): a constant wait stays a short value, which keeps the
    // state hash in Redis's compact listpack encoding (values up to 64 bytes).
    StringJoiner waits = new StringJoiner(",");
    long previous = -1;
    int run = 0;
    for (int attempt = 1; attempt <= WAITS + 1; attempt++) {
      long wait = attempt <= WAITS
          ? Math.min(MAX_WAIT_MILLIS, Math.max(0, config.getWaitIntervalFunctionInOpenState().apply(attempt))) : -2;
      if (wait == previous) {
        run++;
        continue;
      }
      if (run > 0) {
        waits.add(run == 1 ? Long.toString(previous) : previous + "*" + run);
      }
      previous = wait;
      run = 1;
    }
    State afterWait = config.getTransitionToStateAfterWaitDuration();
    List<String> fields = List.of(
        config.getSlidingWindowType() == SlidingWindowType.COUNT_BASED ? "C" : "T",
        Integer.toString(config.getSlidingWindowSize()),
        Integer.toString(config.getMinimumNumberOfCalls()),
        Float.toString(config.getFailureRateThreshold()),
        Float.toString(config.getSlowCallRateThreshold()),
        Integer.toString(config.getPermittedNumberOfCallsInHalfOpenState()),
        Long.toString(Math.min(MAX_WAIT_MILLIS, config.getMaxWaitDurationInHalfOpenState().toMillis())),
        afterWait == State.CLOSED ? "CLOSED" : "OPEN",
        Integer.toString(quorum),
        Long.toString(trialLease.toMillis()),
        waits.toString());
    return new SharedConfig(config, quorum, fields, fingerprint(fields));
  }

  private static String fingerprint(List<String> fields) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] hash = digest.digest(String.join("|", fields).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** Short hash of the shared fields; equal fingerprints mean equal shared behaviour. */
  public String fingerprint() {
    return fingerprint;
  }

  /** The Resilience4j config this was taken from. */
  public CircuitBreakerConfig config() {
    return config;
  }

  /** Distinct failing nodes needed to open. */
  public int quorum() {
    return quorum;
  }

  /**
   * Sets the seed arguments of {@code args}: the config fields, the fingerprint, and the state
   * this node last knew.
   *
   * @param holder the node holding the trial lease (HALF_OPEN) or the reservation (OPEN), or ""
   */
  public LuaScripts.ArgList seed(LuaScripts.ArgList args, State state, long version,
      long remainingOpenMillis, int attempts, String holder) {
    List<LuaScripts.Arg> names = LuaScripts.Arg.SEED;
    for (int i = 0; i < fields.size(); i++) {
      args.set(names.get(i), fields.get(i));
    }
    return args.set(LuaScripts.Arg.SEED_FP, fingerprint)
        .set(LuaScripts.Arg.SEED_STATE, state.name())
        .set(LuaScripts.Arg.SEED_VERSION, version)
        .set(LuaScripts.Arg.SEED_REMAINING, Math.max(0, remainingOpenMillis))
        .set(LuaScripts.Arg.SEED_ATTEMPTS, attempts)
        .set(LuaScripts.Arg.SEED_HOLDER, holder);
  }

}
