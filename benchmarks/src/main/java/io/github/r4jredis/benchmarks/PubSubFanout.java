package io.github.r4jredis.benchmarks;

import io.github.r4jredis.testkit.RedisServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The floor of fleet-wide propagation: one PUBLISH reaching N Redisson clients (one event loop
 * group shared, as the fleet's nodes are set up), time from publishing to the last listener.
 */
final class PubSubFanout {

  private PubSubFanout() {}

  /** Latencies in milliseconds of {@code repetitions} publishes to {@code clients} subscribers. */
  static List<Double> measure(RedisServer redis, int clients, int repetitions) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    List<RedissonClient> subscribers = new ArrayList<>();
    List<Double> latencies = new ArrayList<>();
    String channel = "fanout-" + ProcessHandle.current().pid();
    try {
      AtomicLong lastArrival = new AtomicLong();
      CountDownLatch[] latch = {new CountDownLatch(clients)};
      for (int i = 0; i < clients; i++) {
        RedissonClient client = Clients.redisson(redis, group);
        subscribers.add(client);
        client.getTopic(channel, StringCodec.INSTANCE).addListener(String.class, (ch, message) -> {
          lastArrival.accumulateAndGet(System.nanoTime(), Math::max);
          latch[0].countDown();
        });
      }
      RTopic topic = subscribers.get(0).getTopic(channel, StringCodec.INSTANCE);
      for (int rep = 0; rep < repetitions + 3; rep++) {
        latch[0] = new CountDownLatch(clients);
        lastArrival.set(0);
        long sent = System.nanoTime();
        topic.publish("x");
        if (!latch[0].await(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("a subscriber missed a message");
        }
        if (rep >= 3) { // the first publishes warm up the listeners
          latencies.add((lastArrival.get() - sent) / 1e6);
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
    } finally {
      subscribers.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    return latencies;
  }
}
