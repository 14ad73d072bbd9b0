package io.github.r4jredis.testkit;

import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** Redisson clients for the testkit's own tests, with short timeouts and no retries. */
final class RedisClients {

  private RedisClients() {}

  static RedissonClient connect(RedisServer server, Duration timeout) {
    Config config = new Config();
    config
        .useSingleServer()
        .setAddress(server.address())
        .setTimeout((int) timeout.toMillis())
        .setConnectTimeout((int) timeout.toMillis())
        .setRetryAttempts(0)
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(2)
        .setSubscriptionConnectionMinimumIdleSize(0);
    if (server.password() != null) {
      config.setPassword(server.password());
    }
    config.setNettyThreads(2);
    return Redisson.create(config);
  }
}
