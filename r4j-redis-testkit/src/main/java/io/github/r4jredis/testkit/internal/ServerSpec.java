package io.github.r4jredis.testkit.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one throwaway server, frozen when {@code RedisServer.Builder.start()} runs.
 *
 * @param appendOnly keep an AOF fsynced on every write
 * @param password {@code requirepass}, or {@code null}
 * @param startTimeout how long the server may take to answer PING
 * @param extraArguments further {@code --directive value} arguments
 */
public record ServerSpec(
    boolean appendOnly,
    @Nullable String password,
    Duration startTimeout,
    List<String> extraArguments) {

  /** Copies the argument list. */
  public ServerSpec {
    extraArguments = List.copyOf(extraArguments);
  }

  /** The {@code redis-server} command line for a port and a data directory, without the binary. */
  public List<String> arguments(int port, Path dir) {
    return arguments(port, dir.toString(), ManagedRedisServer.HOST);
  }

  /** As {@link #arguments(int, Path)}, with the directory and bind address as the server sees them. */
  public List<String> arguments(int port, String dir, String bindAddress) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--port", Integer.toString(port), "--bind", bindAddress));
    args.addAll(List.of("--dir", dir, "--daemonize", "no", "--protected-mode", "no"));
    args.addAll(List.of("--save", ""));
    args.addAll(List.of("--appendonly", appendOnly ? "yes" : "no"));
    if (appendOnly) {
      args.addAll(List.of("--appendfsync", "always"));
    }
    if (password != null) {
      args.addAll(List.of("--requirepass", password));
    }
    args.addAll(extraArguments);
    return args;
  }
}
