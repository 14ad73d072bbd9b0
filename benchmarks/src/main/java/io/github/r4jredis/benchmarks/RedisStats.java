package io.github.r4jredis.benchmarks;

import java.util.Map;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;

/** What Redis itself reports: commands executed (INFO commandstats) and memory per key. */
final class RedisStats {

  private final RedissonClient redisson;

  RedisStats(RedissonClient redisson) {
    this.redisson = redisson;
  }

  /**
   * Commands Redis executed so far, all kinds, from INFO commandstats, without the INFO calls
   * this class makes itself.
   */
  long commands() {
    Map<String, String> stats = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance()
        .info(RedisNode.InfoSection.COMMANDSTATS);
    long total = 0;
    for (Map.Entry<String, String> entry : stats.entrySet()) {
      if (entry.getKey().equals("cmdstat_info")) {
        continue;
      }
      for (String part : entry.getValue().split(",")) {
        if (part.startsWith("calls=")) {
          total += Long.parseLong(part.substring("calls=".length()));
        }
      }
    }
    return total;
  }

  /** MEMORY USAGE of one key in bytes, 0 when it does not exist. */
  long memoryUsage(String key) {
    return redisson.getBucket(key, StringCodec.INSTANCE).sizeInMemory();
  }

  /** MEMORY USAGE summed over the keys of one shared breaker. */
  long breakerBytes(String prefix, String encodedName) {
    String tag = prefix + ":{" + encodedName + "}";
    return memoryUsage(tag + ":state") + memoryUsage(tag + ":nodes") + memoryUsage(tag + ":window");
  }
}
