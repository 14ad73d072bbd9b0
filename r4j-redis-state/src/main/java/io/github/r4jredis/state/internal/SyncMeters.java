package io.github.r4jredis.state.internal;

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
 * Meters of one registry's synchronisation with Redis. Names and tags are listed in
 * {@code docs/architecture.md}; every meter carries the key prefix ({@code prefix}) and the
 * node id ({@code node}, one value per process) as tags.
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
    Gauge.builder("r4jredis.sync.mode", mode, m -> m.get() == SyncMode.SHARED ? 1 : 0)
        .description("1 while the registry follows the fleet through Redis, 0 in LOCAL mode")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    this.roundTrip = Timer.builder("r4jredis.sync.round.trip")
        .description("Round trip of one pipeline of flushes and reads")
        .tags(tags)
        .publishPercentiles(0.5, 0.99)
        .register(registry);
    this.repairs = Counter.builder("r4jredis.state.repairs")
        .description("Shared states found missing or invalid in Redis and re-seeded")
        .tags(tags)
        .register(registry);
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
    Gauge.builder("r4jredis.sync.breakers", count, IntSupplier::getAsInt)
        .description("Circuit breakers the sync thread visits every tick (hot) or, idle, once per reconcile interval (cold)")
        .tags(tags).tag("round", round).strongReference(true).register(registry);
  }

  void roundTrip(Duration duration) {
    roundTrip.record(duration);
  }

  void failure(String kind) {
    counter("r4jredis.sync.failures", "Pipelines or script calls that failed", "kind", kind).increment();
  }

  void outcomesDropped(long calls) {
    Counter.builder("r4jredis.outcomes.dropped")
        .description("Outcomes counted on this node that no window could hold any more before Redis took them")
        .tags(tags).register(registry).increment(calls);
  }

  void stepDropped() {
    Counter.builder("r4jredis.steps.dropped")
        .description("Moves of this node's breakers kept local because too many of its steps already waited for Redis")
        .tags(tags).register(registry).increment();
  }

  void clockJump() {
    Counter.builder("r4jredis.redis.time.jumps")
        .description("Jumps of Redis TIME this node saw (a failover to a server whose clock is off, a stepped clock)")
        .tags(tags).register(registry).increment();
  }

  void modeChange(SyncMode mode) {
    counter("r4jredis.sync.mode.changes", "Switches between SHARED and LOCAL mode", "mode", mode.name()).increment();
  }

  void rejected(String reason) {
    counter("r4jredis.messages.rejected", "Pub/sub messages or replies ignored", "reason", reason).increment();
  }

  void claim(String outcome) {
    counter("r4jredis.probe.claims", "Half-open probe lease claims by outcome", "outcome", outcome).increment();
  }

  void repaired() {
    repairs.increment();
  }

  private Counter counter(String name, String description, String tag, String value) {
    return Counter.builder(name).description(description).tags(tags).tag(tag, value).register(registry);
  }
}
