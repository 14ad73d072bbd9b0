package io.github.r4jredis.fallback;

import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * A worker node in a JVM of its own, for {@code RetryQueueFaultIT} to kill with SIGKILL. It runs
 * the "send-email" operations of queue "mail" like {@link #handler}, and hangs for good in the
 * operation whose key is {@code args[2]}, after its effect, with the rest of its batch unacknowledged.
 *
 * <p>Arguments: Redis address, key prefix, key to hang in.
 */
public final class QueueWorker {

  private QueueWorker() {}

  public static void main(String[] args) throws InterruptedException {
    Config config = new Config();
    config.useSingleServer().setAddress(args[0]).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2);
    config.setNettyThreads(2);
    RedissonClient redisson = Redisson.create(config);
    String prefix = args[1];
    String hangIn = args[2];
    RetryQueue queue = RetryQueue.builder(redisson, "mail").keyPrefix(prefix).nodeId("doomed-worker")
        .batchSize(50).drainInterval(Duration.ofMillis(50)).build();
    queue.register("send-email", PayloadCodec.text(), (address, ctx) -> {
      handler(redisson, prefix).handle(address, ctx);
      if (ctx.idempotencyKey().equals(hangIn)) {
        redisson.getBucket(prefix + ":hung", StringCodec.INSTANCE).set(ProcessHandle.current().pid() + "");
        Thread.sleep(Long.MAX_VALUE);
      }
    });
    Thread.sleep(Long.MAX_VALUE);
  }

  /**
   * The mail server: it counts every run, and sends each idempotency key once (a second run of
   * the same operation is recognised and changes nothing).
   */
  static OperationHandler<String> handler(RedissonClient redisson, String prefix) {
    return (address, ctx) -> {
      redisson.getAtomicLong(prefix + ":runs").incrementAndGet();
      redisson.getSet(prefix + ":sent", StringCodec.INSTANCE).add(ctx.idempotencyKey());
    };
  }
}
