package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisSentinel;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTestkitException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.redisson.client.protocol.RedisCommands;

/** One master, its replicas and sentinels, as {@link ManagedRedisServer} processes. Thread-safe. */
public final class ManagedRedisSentinel implements RedisSentinel {

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

  private final String masterName;
  private final ManagedRedisServer master;
  private final List<ManagedRedisServer> replicas;
  private final List<ManagedRedisServer> sentinels;
  private final Duration timeout;

  private ManagedRedisSentinel(
      String masterName,
      ManagedRedisServer master,
      List<ManagedRedisServer> replicas,
      List<ManagedRedisServer> sentinels,
      Duration timeout) {
    this.masterName = masterName;
    this.master = master;
    this.replicas = List.copyOf(replicas);
    this.sentinels = List.copyOf(sentinels);
    this.timeout = timeout;
  }

  /** Starts the processes and waits until replication and discovery have settled. */
  public static ManagedRedisSentinel start(String masterName, int replicaCount, int sentinelCount,
      Duration downAfter, Duration timeout, Duration replicaClockOffset) {
    Map<String, String> replicaEnvironment =
        replicaClockOffset.isZero() ? Map.of() : ClockShift.environment(replicaClockOffset);
    ServerSpec spec = new ServerSpec(false, null, timeout, List.of());
    List<ManagedRedisServer> started = new ArrayList<>();
    try {
      ManagedRedisServer master =
          ManagedRedisServer.start("master", spec::arguments, null, timeout, false);
      started.add(master);
      List<ManagedRedisServer> replicas = new ArrayList<>();
      for (int i = 0; i < replicaCount; i++) {
        ManagedRedisServer replica =
            ManagedRedisServer.start(
                "replica-" + i,
                (port, dir) -> {
                  List<String> args = new ArrayList<>(spec.arguments(port, dir));
                  args.addAll(List.of("--replicaof", master.host(), Integer.toString(master.port())));
                  return args;
                },
                null,
                timeout,
                false,
                replicaEnvironment);
        started.add(replica);
        replicas.add(replica);
      }
      int quorum = sentinelCount / 2 + 1;
      List<ManagedRedisServer> sentinels = new ArrayList<>();
      for (int i = 0; i < sentinelCount; i++) {
        ManagedRedisServer sentinel =
            ManagedRedisServer.start(
                "sentinel-" + i,
                (port, dir) -> {
                  // Sentinel rewrites this file as it learns; restarts reuse the rewritten one.
                  String conf =
                      String.join(
                          "\n",
                          "port " + port,
                          "bind " + ManagedRedisServer.HOST,
                          "dir " + dir,
                          "sentinel monitor " + masterName + " " + master.host() + " "
                              + master.port() + " " + quorum,
                          "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                          "sentinel failover-timeout " + masterName + " " + Math.max(3000, 3 * downAfter.toMillis()),
                          "sentinel parallel-syncs " + masterName + " 1",
                          "");
                  Files.writeString(dir.resolve("sentinel.conf"), conf, StandardCharsets.UTF_8);
                  return List.of(dir.resolve("sentinel.conf").toString(), "--sentinel");
                },
                null,
                timeout,
                false);
        started.add(sentinel);
        sentinels.add(sentinel);
      }
      ManagedRedisSentinel setup =
          new ManagedRedisSentinel(masterName, master, replicas, sentinels, timeout);
      setup.awaitSettled();
      return setup;
    } catch (RuntimeException e) {
      started.forEach(ManagedRedisServer::close);
      throw e;
    }
  }

  private void awaitSettled() {
    Poll.until(
        "replicas in sync and sentinels aware of each other",
        timeout,
        () -> replicas.stream().allMatch(ManagedRedisSentinel::isInSync)
            && sentinels.stream().allMatch(this::knowsEveryone),
        this::describe);
  }

  private static boolean isInSync(ManagedRedisServer replica) {
    try {
      Map<String, String> info =
          Admin.call(replica.host(), replica.port(), null, COMMAND_TIMEOUT, RedisCommands.INFO_REPLICATION);
      return "up".equals(info.get("master_link_status"));
    } catch (RedisTestkitException e) {
      return false;
    }
  }

  private boolean knowsEveryone(ManagedRedisServer sentinel) {
    try {
      Map<String, String> state =
          Admin.call(
              sentinel.host(), sentinel.port(), null, COMMAND_TIMEOUT, RedisCommands.SENTINEL_MASTER, masterName);
      return Integer.toString(replicas.size()).equals(state.get("num-slaves"))
          && Integer.toString(sentinels.size() - 1).equals(state.get("num-other-sentinels"));
    } catch (RedisTestkitException e) {
      return false;
    }
  }

  @Override
  public String masterName() {
    return masterName;
  }

  @Override
  public RedisServer master() {
    return master;
  }

  @Override
  public List<RedisServer> replicas() {
    return List.copyOf(replicas);
  }

  @Override
  public List<RedisServer> sentinels() {
    return List.copyOf(sentinels);
  }

  @Override
  public RedisServer currentMaster() {
    RedisTestkitException last = null;
    for (ManagedRedisServer sentinel : sentinels) {
      if (!sentinel.isAlive() || sentinel.isPaused()) {
        continue;
      }
      try {
        Map<String, String> state =
            Admin.call(
                sentinel.host(), sentinel.port(), null, COMMAND_TIMEOUT, RedisCommands.SENTINEL_MASTER, masterName);
        String port = state.get("port");
        return dataNodes()
            .filter(node -> Integer.toString(node.port()).equals(port))
            .findFirst()
            .orElseThrow(() -> new RedisTestkitException("Sentinels name an unknown master on port " + port));
      } catch (RedisTestkitException e) {
        last = e;
      }
    }
    throw new RedisTestkitException("No sentinel of " + masterName + " answered", last);
  }

  @Override
  public void failover() {
    RedisServer before = currentMaster();
    ManagedRedisServer sentinel =
        sentinels.stream()
            .filter(s -> s.isAlive() && !s.isPaused())
            .findFirst()
            .orElseThrow(() -> new RedisTestkitException("No sentinel of " + masterName + " is running"));
    Admin.call(
        sentinel.host(), sentinel.port(), null, COMMAND_TIMEOUT, RedisCommands.SENTINEL_FAILOVER, masterName);
    Poll.until(
        "a new master of " + masterName + " instead of " + before,
        timeout,
        () -> {
          RedisServer now = currentMaster();
          return now.port() != before.port() && isWritableMaster(now);
        },
        this::describe);
  }

  private static boolean isWritableMaster(RedisServer node) {
    try {
      Map<String, String> info =
          Admin.call(node.host(), node.port(), null, COMMAND_TIMEOUT, RedisCommands.INFO_REPLICATION);
      return "master".equals(info.get("role"));
    } catch (RedisTestkitException e) {
      return false;
    }
  }

  private Stream<ManagedRedisServer> dataNodes() {
    return Stream.concat(Stream.of(master), replicas.stream());
  }

  private String describe() {
    StringBuilder text = new StringBuilder();
    Stream.concat(dataNodes(), sentinels.stream())
        .forEach(p -> text.append("---- ").append(p).append('\n').append(p.logTail(10)).append('\n'));
    return text.toString();
  }

  @Override
  public void close() {
    Stream.concat(dataNodes(), sentinels.stream()).forEach(ManagedRedisServer::close);
  }

  @Override
  public String toString() {
    return "RedisSentinel[" + masterName + ", master=" + master + ", replicas=" + replicas
        + ", sentinels=" + sentinels + "]";
  }
}
