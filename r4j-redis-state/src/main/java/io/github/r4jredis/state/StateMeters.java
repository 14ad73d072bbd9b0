package io.github.r4jredis.state;

import static io.micrometer.core.instrument.Meter.Type.COUNTER;
import static io.micrometer.core.instrument.Meter.Type.GAUGE;
import static io.micrometer.core.instrument.Meter.Type.TIMER;

/**
 * The meters of r4j-redis-state: one registry's synchronisation with Redis. Every one carries the
 * registry's key prefix ({@code prefix}) and node id ({@code node}); listed in
 * {@code docs/architecture.md} ("Meters"). Resilience4j's own breaker meters
 * ({@code resilience4j.circuitbreaker.*}) come from resilience4j-micrometer, unchanged.
 */
public enum StateMeters implements DocumentedMeter {
  /** 1 while the registry follows the fleet through Redis, 0 in LOCAL mode. */
  SYNC_MODE(DocumentedMeter.of("r4jredis.state.sync.mode", GAUGE,
      "1 while the registry follows the fleet through Redis, 0 in LOCAL mode", "prefix", "node")),
  /** Switches between SHARED and LOCAL mode, by the mode switched to. */
  SYNC_MODE_CHANGES(DocumentedMeter.of("r4jredis.state.sync.mode.changes", COUNTER,
      "Switches between SHARED and LOCAL mode", "prefix", "node", "mode")),
  /** Round trip of one pipeline (p50, p99). */
  SYNC_ROUND_TRIP(DocumentedMeter.of("r4jredis.state.sync.round.trip", TIMER,
      "Round trip of one pipeline of flushes and reads", "prefix", "node")),
  /** Pipelines or script calls that failed, by kind (a refusal's code, timeout, error). */
  SYNC_FAILURES(DocumentedMeter.of("r4jredis.state.sync.failures", COUNTER,
      "Pipelines or script calls that failed", "prefix", "node", "kind")),
  /** Breakers the sync thread visits every tick ({@code round=hot}) or, idle, once per reconcile interval ({@code cold}). */
  SYNC_BREAKERS(DocumentedMeter.of("r4jredis.state.sync.breakers", GAUGE,
      "Circuit breakers the sync thread visits every tick (hot) or, idle, once per reconcile interval (cold)",
      "prefix", "node", "round")),
  /** Shared states found missing or invalid in Redis and seeded again. */
  REPAIRS(DocumentedMeter.of("r4jredis.state.repairs", COUNTER,
      "Shared states found missing or invalid in Redis and re-seeded", "prefix", "node")),
  /** Half-open trial lease claims, by outcome. */
  TRIAL_CLAIMS(DocumentedMeter.of("r4jredis.state.trial.claims", COUNTER,
      "Half-open trial lease claims by outcome", "prefix", "node", "outcome")),
  /** Pub/sub messages or replies ignored, by reason. */
  MESSAGES_REJECTED(DocumentedMeter.of("r4jredis.state.messages.rejected", COUNTER,
      "Pub/sub messages or replies ignored", "prefix", "node", "reason")),
  /** Outcomes counted on this node that no window could hold any more before Redis took them. */
  OUTCOMES_DROPPED(DocumentedMeter.of("r4jredis.state.outcomes.dropped", COUNTER,
      "Outcomes counted on this node that no window could hold any more before Redis took them", "prefix", "node")),
  /** Moves kept local because too many of this node's steps already waited for Redis. */
  STEPS_DROPPED(DocumentedMeter.of("r4jredis.state.steps.dropped", COUNTER,
      "Moves of this node's breakers kept local because too many of its steps already waited for Redis",
      "prefix", "node")),
  /** Jumps of Redis TIME this node saw. */
  REDIS_TIME_JUMPS(DocumentedMeter.of("r4jredis.state.redis.time.jumps", COUNTER,
      "Jumps of Redis TIME this node saw (a failover to a server whose clock is off, a stepped clock)",
      "prefix", "node"));

  private final Declaration declaration;

  StateMeters(Declaration declaration) {
    this.declaration = declaration;
  }

  @Override
  public Declaration declaration() {
    return declaration;
  }
}
