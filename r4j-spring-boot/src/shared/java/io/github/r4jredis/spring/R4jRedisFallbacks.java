package io.github.r4jredis.spring;

import io.github.r4jredis.fallback.FallbackChain;
import io.github.r4jredis.fallback.PayloadCodec;
import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.fallback.StaleCache;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.redisson.api.RedissonClient;

/**
 * Builders of the fallback chain's parts, already wired to this application's Redis, key
 * prefix, node id, meters and shared breakers: the application adds what only it knows
 * (handlers, sizes, messages).
 *
 * <pre>{@code
 * RetryQueue bookings = fallbacks.retryQueue("bookings", "calcom").build()
 *     .register("create-booking", Booking.class, calcom::book);
 * FallbackChain<Slots> chain = fallbacks.<Slots>chain("calcom")
 *     .staleCache(fallbacks.staleCache("slots", PayloadCodec.json(Slots.class)).build())
 *     .retryQueue(bookings)
 *     .build();
 * }</pre>
 */
public class R4jRedisFallbacks {

  private final RedissonClient redisson;
  private final RedisCircuitBreakerRegistry registry;
  private final MeterRegistry meters;

  public R4jRedisFallbacks(RedissonClient redisson, RedisCircuitBreakerRegistry registry, MeterRegistry meters) {
    this.redisson = redisson;
    this.registry = registry;
    this.meters = meters;
  }

  /** A retry queue that drains when the shared breaker {@code breakerName} lets calls through. */
  public RetryQueue.Builder retryQueue(String name, String breakerName) {
    return RetryQueue.builder(redisson, name)
        .keyPrefix(registry.keyPrefix())
        .nodeId(registry.nodeId())
        .circuitBreaker(registry.circuitBreaker(breakerName))
        .meterRegistry(meters);
  }

  /** A stale cache with a fleet-shared copy in Redis, encoded by {@code codec}. */
  public <T> StaleCache.Builder<T> staleCache(String name, PayloadCodec<T> codec) {
    return StaleCache.<T>builder(name).keyPrefix(registry.keyPrefix()).shared(redisson, codec);
  }

  /** A chain protected by the shared breaker {@code breakerName}. */
  public <T> FallbackChain.Builder<T> chain(String breakerName) {
    return FallbackChain.<T>builder(breakerName)
        .circuitBreaker(registry.circuitBreaker(breakerName))
        .meterRegistry(meters);
  }
}
