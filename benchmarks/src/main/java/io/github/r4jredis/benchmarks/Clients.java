package io.github.r4jredis.benchmarks;

import io.github.r4jredis.testkit.RedisServer;
import io.netty.channel.EventLoopGroup;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** Redisson clients for benchmark nodes: small pools, optionally one shared event loop group. */
final class Clients {

  private Clients() {}

  static RedissonClient redisson(RedisServer redis, @Nullable EventLoopGroup group) {
    Config config = new Config();
    config.useSingleServer()
        .setAddress(redis.address())
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(4)
        .setSubscriptionConnectionMinimumIdleSize(1)
        .setSubscriptionConnectionPoolSize(1)
        .setPingConnectionInterval(0)
        .setTimeout(2000);
    if (redis.password() != null) {
      config.setPassword(redis.password());
    }
    if (group != null) {
      config.setEventLoopGroup(group);
      config.setThreads(1);
    }
    return Redisson.create(config);
  }
}
