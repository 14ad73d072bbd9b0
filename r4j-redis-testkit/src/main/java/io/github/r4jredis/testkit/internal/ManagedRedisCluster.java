package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisCluster;
import io.github.r4jredis.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.client.protocol.RedisCommands;

/** A Redis Cluster formed from {@link ManagedRedisServer} processes. Thread-safe. */
public final class ManagedRedisCluster implements RedisCluster {

  /** Number of hash slots in a Redis Cluster. */
  static final int SLOTS = 16384;

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

  private final List<ManagedRedisServer> nodes;

  private ManagedRedisCluster(List<ManagedRedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts {@code masters} nodes of {@code binary} and forms them into a cluster. */
  public static ManagedRedisCluster start(int masters, Duration nodeTimeout, Duration startTimeout, Path binary) {
    ServerSpec spec = new ServerSpec(false, null, startTimeout, List.of());
    List<ManagedRedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters; i++) {
        nodes.add(
            ManagedRedisServer.start(
                "cluster-" + i,
                (port, dir) -> {
                  List<String> args = new ArrayList<>(spec.arguments(port, dir));
                  args.addAll(List.of("--cluster-enabled", "yes"));
                  args.addAll(List.of("--cluster-config-file", "nodes.conf"));
                  args.addAll(List.of("--cluster-node-timeout", Long.toString(nodeTimeout.toMillis())));
                  return args;
                },
                null,
                startTimeout,
                true,
                Map.of(),
                binary));
      }
      ManagedRedisCluster cluster = new ManagedRedisCluster(nodes);
      cluster.form(startTimeout);
      return cluster;
    } catch (RuntimeException e) {
      nodes.forEach(ManagedRedisServer::close);
      throw e;
    }
  }

  private void form(Duration startTimeout) {
    int count = nodes.size();
    for (int i = 0; i < count; i++) {
      int from = i * SLOTS / count;
      int to = (i + 1) * SLOTS / count;
      Object[] slots = new Object[to - from];
      for (int slot = from; slot < to; slot++) {
        slots[slot - from] = Integer.toString(slot);
      }
      call(nodes.get(i), RedisCommands.CLUSTER_ADDSLOTS, slots);
    }
    ManagedRedisServer first = nodes.get(0);
    for (ManagedRedisServer node : nodes.subList(1, count)) {
      call(first, RedisCommands.CLUSTER_MEET, node.host(), Integer.toString(node.port()));
    }
    Poll.until(
        "cluster_state:ok on all " + count + " nodes",
        startTimeout,
        () -> nodes.stream().allMatch(node -> isReady(node, count)),
        this::describe);
  }

  private static boolean isReady(ManagedRedisServer node, int count) {
    try {
      Map<String, String> info = call(node, RedisCommands.CLUSTER_INFO);
      return "ok".equals(info.get("cluster_state"))
          && Integer.toString(count).equals(info.get("cluster_known_nodes"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static <T> T call(
      ManagedRedisServer node, RedisCommand<T> command, Object... args) {
    return Admin.call(node.host(), node.port(), null, COMMAND_TIMEOUT, command, args);
  }

  private String describe() {
    StringBuilder text = new StringBuilder();
    for (ManagedRedisServer node : nodes) {
      text.append("---- ").append(node).append('\n').append(node.logTail(10)).append('\n');
    }
    return text.toString();
  }

  @Override
  public List<RedisServer> nodes() {
    return List.copyOf(nodes);
  }

  @Override
  public void close() {
    nodes.forEach(ManagedRedisServer::close);
  }

  @Override
  public String toString() {
    return "RedisCluster" + nodes;
  }
}
