package io.github.r4jredis.state;

import io.github.r4jredis.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * N nodes of a fleet in one JVM: a RedissonClient and a registry each, sharing one netty event
 * loop group (as the issue asks, so 20 clients do not start 20 x cores threads).
 */
final class Fleet implements AutoCloseable {

  private final EventLoopGroup group;
  final List<RedissonClient> clients = new ArrayList<>();
  final List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  Fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig config) {
    this(redis, nodes, prefix, config, b -> { });
  }

  Fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig config,
      Consumer<RedisCircuitBreakerRegistry.Builder> customizer) {
    this(redis, nodes, prefix, config, customizer, node -> redis.address());
  }

  /** As above, node {@code i} reaching Redis at {@code address.apply(i)} (a proxy, say). */
  Fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig config,
      Consumer<RedisCircuitBreakerRegistry.Builder> customizer, IntFunction<String> address) {
    this(redis, nodes, prefix, config, customizer, address, c -> { });
  }

  /** As above, each node's client configured by {@code client} last (another ACL user, say). */
  Fleet(RedisServer redis, int nodes, String prefix, CircuitBreakerConfig config,
      Consumer<RedisCircuitBreakerRegistry.Builder> customizer, IntFunction<String> address,
      Consumer<Config> client) {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    for (int i = 0; i < nodes; i++) {
      String nodeAddress = address.apply(i);
      RedissonClient redisson = redis.newRedisson(c -> {
        c.setEventLoopGroup(group);
        c.useSingleServer().setAddress(nodeAddress);
        client.accept(c);
      });
      clients.add(redisson);
      RedisCircuitBreakerRegistry.Builder builder = RedisCircuitBreakerRegistry.builder(redisson)
          .withCircuitBreakerConfig(config)
          .keyPrefix(prefix)
          .nodeId("node-" + i)
          .meterRegistry(meters);
      customizer.accept(builder);
      registries.add(builder.build());
    }
  }

  static RedissonClient client(RedisServer redis, EventLoopGroup group) {
    // 20 clients in one JVM share one event loop group instead of starting 20 x cores threads.
    return redis.newRedisson(config -> config.setEventLoopGroup(group));
  }

  RedisCircuitBreakerRegistry node(int i) {
    return registries.get(i);
  }

  RedisCircuitBreaker breaker(int node, String name) {
    return (RedisCircuitBreaker) registries.get(node).circuitBreaker(name);
  }

  List<RedisCircuitBreaker> breakers(String name) {
    List<RedisCircuitBreaker> all = new ArrayList<>();
    for (int i = 0; i < registries.size(); i++) {
      all.add(breaker(i, name));
    }
    return all;
  }

  @Override
  public void close() {
    registries.forEach(RedisCircuitBreakerRegistry::close);
    clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  static final Duration AWAIT = Duration.ofSeconds(10);
}
