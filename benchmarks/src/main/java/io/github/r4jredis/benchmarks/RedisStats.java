package io.github.r4jredis.benchmarks;

import java.util.Map;
import java.util.Set;
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
   * Commands clients sent so far, from INFO commandstats. Redis also counts the commands a
   * script runs inside it; those are left out by counting only what these clients send
   * themselves (scripts, set operations of the breaker index, pub/sub and connection commands).
   */
  long commands() {
    Map<String, String> stats = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance()
        .info(RedisNode.InfoSection.COMMANDSTATS);
    long total = 0;
    for (Map.Entry<String, String> entry : stats.entrySet()) {
      if (!CLIENT_COMMANDS.contains(entry.getKey())) {
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

  private static final Set<String> CLIENT_COMMANDS = Set.of("cmdstat_evalsha", "cmdstat_eval",
      "cmdstat_evalsha_ro", "cmdstat_script|load", "cmdstat_sadd", "cmdstat_scard", "cmdstat_smembers",
      "cmdstat_ping", "cmdstat_subscribe", "cmdstat_unsubscribe", "cmdstat_hello", "cmdstat_auth",
      "cmdstat_client|setname", "cmdstat_select");

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
