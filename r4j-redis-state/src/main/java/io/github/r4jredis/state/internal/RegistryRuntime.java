package io.github.r4jredis.state.internal;

import io.github.r4jredis.state.SyncMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * What a {@code RedisCircuitBreakerRegistry} runs on: its key space, its sync engine, and the
 * factory of its breakers. Kept out of the public class so the API shows no internals.
 *
 * <p>Thread-safe.
 */
public final class RegistryRuntime implements AutoCloseable {

  private final KeySpace keys;
  private final SyncEngine engine;
  private final int quorum;
  private final Duration trialLease;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Creates the runtime; {@link #start()} starts syncing. */
  public RegistryRuntime(RedissonClient redisson, KeySpace keys, String nodeId, Duration syncInterval,
      Duration commandTimeout, Duration localModeAfter, Duration reconcileInterval, Duration trialLease,
      Duration maxFlushDelay, boolean shardedPubSub, int quorum, History history, MeterRegistry meterRegistry) {
    this.keys = keys;
    this.quorum = quorum;
    this.trialLease = trialLease;
    this.engine = new SyncEngine(redisson, keys, nodeId,
        new SyncEngine.Settings(syncInterval, commandTimeout, localModeAfter, reconcileInterval,
            trialLease, maxFlushDelay, shardedPubSub, history),
        meterRegistry);
  }

  /** Starts the sync thread. */
  public void start() {
    engine.start();
  }

  /** A new shared breaker, registered for syncing. */
  public CircuitBreaker create(String name, CircuitBreakerConfig config, Map<String, String> tags) {
    SharedCircuitBreaker breaker = new SharedCircuitBreaker(name, config,
        SharedConfig.of(config, quorum, trialLease), tags, engine);
    engine.register(breaker);
    return breaker;
  }

  /** Stops syncing a breaker removed from the registry. */
  public void detach(CircuitBreaker breaker) {
    if (breaker instanceof SharedCircuitBreaker shared) {
      engine.unregister(shared);
    }
  }

  /** The key space. */
  public KeySpace keys() {
    return keys;
  }

  /** This node's id. */
  public String nodeId() {
    return engine.nodeId();
  }

  /** SHARED or LOCAL. */
  public SyncMode mode() {
    return engine.mode();
  }

  /** Every shared breaker in Redis, by name. */
  public Map<String, SharedView> readAll() {
    return engine.readAll();
  }

  /**
   * One shared breaker by name.
   *
   * @throws io.github.r4jredis.state.RedisStateException saying why Redis gave none
   */
  public SharedView read(String name) {
    return engine.read(name);
  }

  /**
   * An operator's command on a breaker by name, keeping its shared config (a RESET of a breaker
   * this node holds re-seeds it with this node's). This node's breaker, if any, applies the reply
   * at once.
   *
   * @throws io.github.r4jredis.state.RedisStateException saying why Redis gave no reply
   */
  public SharedView command(String name, String op, @Nullable CircuitBreaker mine) {
    SharedCircuitBreaker held = mine instanceof SharedCircuitBreaker shared ? shared : null;
    SharedView reply = engine.command(name, op, held);
    if (held != null) {
      held.applyReply(reply, System.nanoTime());
      engine.wake(held); // a cold breaker the operator moved follows at every tick again
    }
    return reply;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      engine.close();
    }
  }
}
