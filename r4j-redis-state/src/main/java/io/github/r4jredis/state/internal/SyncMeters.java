package io.github.r4jredis.state.internal;

import static io.github.r4jredis.state.StateMeters.MESSAGES_REJECTED;
import static io.github.r4jredis.state.StateMeters.OUTCOMES_DROPPED;
import static io.github.r4jredis.state.StateMeters.REDIS_TIME_JUMPS;
import static io.github.r4jredis.state.StateMeters.REPAIRS;
import static io.github.r4jredis.state.StateMeters.STEPS_DROPPED;
import static io.github.r4jredis.state.StateMeters.SYNC_BREAKERS;
import static io.github.r4jredis.state.StateMeters.SYNC_FAILURES;
import static io.github.r4jredis.state.StateMeters.SYNC_MODE;
import static io.github.r4jredis.state.StateMeters.SYNC_MODE_CHANGES;
import static io.github.r4jredis.state.StateMeters.SYNC_ROUND_TRIP;
import static io.github.r4jredis.state.StateMeters.TRIAL_CLAIMS;

import io.github.r4jredis.state.StateMeters;
import io.github.r4jredis.state.SyncMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Meters of one registry's synchronisation with Redis, as {@link StateMeters} declares them;
 * every meter carries the key prefix ({@code prefix}) and the node id ({@code node}, one value
 * per process) as tags.
 *
 * <p>Thread-safe (Micrometer meters).
 */
public final class SyncMeters {

  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer roundTrip;
  private final Counter repairs;

  /** Registers the meters of the registry under {@code prefix} on node {@code node}. */
  public SyncMeters(MeterRegistry registry, String prefix, String node, Supplier<SyncMode> mode) {
    this.registry = registry;
    this.tags = Tags.of("prefix", prefix, "node", node);
    Gauge.builder(SYNC_MODE.getName(), mode, m -> m.get() == SyncMode.SHARED ? 1 : 0)
        .description(SYNC_MODE.description())
        .tags(tags)
        .strongReference(true)
        .register(registry);
    this.roundTrip = Timer.builder(SYNC_ROUND_TRIP.getName())
        .description(SYNC_ROUND_TRIP.description())
        .tags(tags)
        .publishPercentiles(0.5, 0.99)
        .register(registry);
    this.repairs = counter(REPAIRS).register(registry);
  }

  /**
   * The breakers the sync thread visits every tick ({@code round=hot}) and the idle ones it visits
   * once per reconcile interval ({@code round=cold}).
   */
  void rounds(IntSupplier hot, IntSupplier cold) {
    round("hot", hot);
    round("cold", cold);
  }

  private void round(String round, IntSupplier count) {
    Gauge.builder(SYNC_BREAKERS.getName(), count, IntSupplier::getAsInt).description(SYNC_BREAKERS.description())
        .tags(tags).tag("round", round).strongReference(true).register(registry);
  }

  void roundTrip(Duration duration) {
    roundTrip.record(duration);
  }

  void failure(String kind) {
    counter(SYNC_FAILURES).tag("kind", kind).register(registry).increment();
  }

  void outcomesDropped(long calls) {
    counter(OUTCOMES_DROPPED).register(registry).increment(calls);
  }

  void stepDropped() {
    counter(STEPS_DROPPED).register(registry).increment();
  }

  void clockJump() {
    counter(REDIS_TIME_JUMPS).register(registry).increment();
  }

  void modeChange(SyncMode mode) {
    counter(SYNC_MODE_CHANGES).tag("mode", mode.name()).register(registry).increment();
  }

  void rejected(String reason) {
    counter(MESSAGES_REJECTED).tag("reason", reason).register(registry).increment();
  }

  void claim(String outcome) {
    counter(TRIAL_CLAIMS).tag("outcome", outcome).register(registry).increment();
  }

  void repaired() {
    repairs.increment();
  }

  private Counter.Builder counter(StateMeters meter) {
    return Counter.builder(meter.getName()).description(meter.description()).tags(tags);
  }
}
