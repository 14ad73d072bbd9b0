package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisClientConfig;
import org.redisson.client.RedisConnection;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.client.protocol.RedisCommands;

/**
 * One-shot administrative commands (PING, CLUSTER MEET, SENTINEL ...) sent while the testkit
 * sets servers up, through Redisson's low-level {@link RedisClient}.
 *
 * <p>A connection is opened per call and closed after it, so a paused or killed server never
 * leaves a half-dead pooled connection behind. The netty event loop, timer and executor are
 * shared by all calls (daemon threads) because creating and gracefully shutting down a netty
 * group per call costs seconds.
 */
public final class Admin {

  private static final DefaultThreadFactory THREADS =
      new DefaultThreadFactory("r4j-testkit-admin", true);
  private static final EventLoopGroup GROUP =
      new MultiThreadIoEventLoopGroup(1, THREADS, NioIoHandler.newFactory());
  private static final HashedWheelTimer TIMER = new HashedWheelTimer(THREADS);
  private static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(THREADS);

  private Admin() {}

  /**
   * Sends one command and returns its decoded reply.
   *
   * @throws RedisTestkitException when the server cannot be reached or answers with an error
   */
  public static <T> T call(
      String host,
      int port,
      @Nullable String password,
      Duration timeout,
      RedisCommand<T> command,
      Object... args) {
    int millis = Math.toIntExact(timeout.toMillis());
    RedisClientConfig config =
        new RedisClientConfig()
            .setAddress(host, port)
            .setGroup(GROUP)
            .setTimer(TIMER)
            .setExecutor(EXECUTOR)
            .setConnectTimeout(millis)
            .setCommandTimeout(millis)
            .setPingConnectionInterval(0)
            .setKeepAlive(false);
    if (password != null) {
      config.setPassword(password);
    }
    RedisClient client = RedisClient.create(config);
    try {
      RedisConnection connection = client.connect();
      try {
        return connection.sync(StringCodec.INSTANCE, command, args);
      } finally {
        connection.closeAsync();
      }
    } catch (RuntimeException e) {
      throw new RedisTestkitException(
          command.getName() + " to " + host + ":" + port + " failed: " + e.getMessage(), e);
    } finally {
      client.shutdown();
    }
  }

  /** True when the server answers PING with PONG within the timeout (LOADING counts as no). */
  public static boolean ping(String host, int port, @Nullable String password, Duration timeout) {
    try {
      return "PONG".equals(call(host, port, password, timeout, RedisCommands.PING));
    } catch (RedisTestkitException e) {
      return false;
    }
  }
}
