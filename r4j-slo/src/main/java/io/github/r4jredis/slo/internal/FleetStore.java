package io.github.r4jredis.slo.internal;

import io.github.r4jredis.slo.SloStoreException;
import io.github.r4jredis.state.LuaScript;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScoredSortedSet;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.ScoredEntry;

/**
 * The fleet's figures in Redis. Per service, under the hash tag {@code {<service>}}:
 *
 * <pre>
 * &lt;prefix&gt;:slo:{s}:total          hash of cumulative counts: ok err np ign slow h0..h199
 * &lt;prefix&gt;:slo:{s}:cpm:&lt;minute&gt;   the totals before the first flush of that minute (kept 6 h 10 min)
 * &lt;prefix&gt;:slo:{s}:cph:&lt;hour&gt;     the totals before the first flush of that hour (kept the SLO window + 2 h)
 * &lt;prefix&gt;:slo:{s}:transitions    sorted set of "&lt;id&gt;|&lt;from&gt;|&lt;to&gt;" by time, kept the SLO window
 * &lt;prefix&gt;:slo:alerts             hash of firing alerts: "&lt;type&gt;|&lt;service&gt;" -&gt; "&lt;ms&gt;|&lt;value&gt;|&lt;threshold&gt;|&lt;message&gt;"
 * </pre>
 *
 * <p>A window's counts are the totals minus the checkpoint at its start: two hash reads, over a
 * window of 5 minutes or 30 days alike. Thread-safe.
 */
final class FleetStore {

  static final Duration MINUTE_CHECKPOINTS = Duration.ofHours(6);
  private static final LuaScript FLUSH = load("flush.lua");
  private static final LuaScript WINDOW = load("window.lua");

  private final RedissonClient redisson;
  private final String prefix;
  final String alertsKey;

  FleetStore(RedissonClient redisson, String prefix) {
    this.redisson = redisson;
    this.prefix = prefix + ":slo:";
    this.alertsKey = prefix + ":slo:alerts";
  }

  private String key(String service, String suffix) {
    return prefix + "{" + service + "}:" + suffix;
  }

  /**
   * Adds a service's pending counts and transitions to the fleet's totals, at {@code nowMillis};
   * returns how many tampered totals it repaired.
   */
  long flush(String service, Recorder.Pending pending, long nowMillis, Duration window) {
    long minute = nowMillis / 60_000;
    long hour = nowMillis / 3_600_000;
    List<Object> keys = List.of(key(service, "total"), key(service, "cpm:" + minute), key(service, "cph:" + hour),
        key(service, "transitions"), key(service, "since"));
    List<Object> args = new ArrayList<>(List.of(
        Long.toString(MINUTE_CHECKPOINTS.plusMinutes(10).toMillis()),
        Long.toString(window.plusHours(2).toMillis()),
        Long.toString(window.plusHours(2).toMillis()),
        Long.toString(nowMillis - window.toMillis()),
        Integer.toString(pending.increments().size()),
        Long.toString(nowMillis)));
    pending.increments().forEach((field, delta) -> {
      args.add(field);
      args.add(Long.toString(delta));
    });
    for (String[] transition : pending.transitions()) {
      args.add(transition[0]);
      args.add(transition[1]);
    }
    return (Long) eval(FLUSH, keys, args, RScript.ReturnType.LONG, "flush the counts of " + service);
  }

  /** The counts of a service flushed within {@code window} before {@code nowMillis}. */
  Counts window(String service, long nowMillis, Duration window) {
    List<Object> keys = new ArrayList<>();
    keys.add(key(service, "total"));
    long start = nowMillis - window.toMillis();
    if (window.compareTo(MINUTE_CHECKPOINTS) <= 0) {
      for (long minute = start / 60_000; minute <= nowMillis / 60_000; minute++) {
        keys.add(key(service, "cpm:" + minute));
      }
    } else {
      for (long hour = start / 3_600_000; hour <= nowMillis / 3_600_000; hour++) {
        keys.add(key(service, "cph:" + hour));
      }
    }
    List<?> reply = (List<?>) eval(WINDOW, keys, List.of(), RScript.ReturnType.LIST, "read the counts of " + service);
    return Counts.of(reply);
  }

  /** The transitions of a service within [{@code fromMillis}, {@code toMillis}], and the last one before. */
  Timeline.Log transitions(String service, long fromMillis, long toMillis) {
    try {
      RScoredSortedSet<String> log = redisson.getScoredSortedSet(key(service, "transitions"), StringCodec.INSTANCE);
      Transition prior = null;
      for (ScoredEntry<String> entry : log.entryRangeReversed(Double.NEGATIVE_INFINITY, true, fromMillis, false, 0, 1)) {
        prior = Transition.parse(entry.getScore().longValue(), entry.getValue());
      }
      List<Transition> within = new ArrayList<>();
      for (ScoredEntry<String> entry : log.entryRange(fromMillis, true, toMillis, true)) {
        Transition transition = Transition.parse(entry.getScore().longValue(), entry.getValue());
        if (transition != null) {
          within.add(transition);
        }
      }
      String since = redisson.<String>getBucket(key(service, "since"), StringCodec.INSTANCE).get();
      return new Timeline.Log(prior, within, since == null ? 0 : parseMillis(since));
    } catch (RedisException e) {
      throw new SloStoreException("Cannot read the transitions of " + service, e);
    }
  }

  private static long parseMillis(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0; // not ours (tampered): as if unknown
    }
  }

  /** A transition: when, from, to. */
  record Transition(long at, State from, State to) {
    static @Nullable Transition parse(long at, String member) {
      String[] parts = member.split("\\|");
      try {
        return new Transition(at, State.valueOf(parts[1]), State.valueOf(parts[2]));
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  /** Marks an alert firing; false when it was firing already (another node announced it). */
  boolean fire(String key, String value) {
    try {
      return redisson.<String, String>getMap(alertsKey, StringCodec.INSTANCE).fastPutIfAbsent(key, value);
    } catch (RedisException e) {
      throw new SloStoreException("Cannot record an alert", e);
    }
  }

  /** Marks an alert resolved; false when it was not firing (or another node resolved it). */
  boolean resolve(String key) {
    try {
      return redisson.<String, String>getMap(alertsKey, StringCodec.INSTANCE).fastRemove(key) == 1;
    } catch (RedisException e) {
      throw new SloStoreException("Cannot record an alert", e);
    }
  }

  /** The alerts firing, by key. */
  Map<String, String> alerts() {
    try {
      return redisson.<String, String>getMap(alertsKey, StringCodec.INSTANCE).readAllMap();
    } catch (RedisException e) {
      throw new SloStoreException("Cannot read the alerts", e);
    }
  }

  private Object eval(LuaScript script, List<Object> keys, List<Object> args, RScript.ReturnType type, String what) {
    try {
      return script.eval(redisson, RScript.Mode.READ_WRITE, type, keys, args.toArray());
    } catch (RedisException e) {
      throw new SloStoreException("Cannot " + what + ": " + e.getMessage(), e);
    }
  }

  private static LuaScript load(String file) {
    return LuaScript.fromResource(FleetStore.class, "/io/github/r4jredis/slo/lua/" + file);
  }
}
