package io.github.r4jredis.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.RedisException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code r4j}: the operator command line for fleet-shared circuit breakers.
 *
 * <p>Exit codes a script can rely on: {@value #OK} success, {@value #USAGE} bad usage,
 * {@value #UNREACHABLE} Redis unreachable.
 */
@Command(
    name = "r4j",
    mixinStandardHelpOptions = true,
    versionProvider = R4jCli.Version.class,
    description = "Inspect and operate the circuit breakers a fleet shares through Redis.",
    subcommands = {R4jCli.Ping.class})
public final class R4jCli implements Runnable {

  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: bad usage (picocli's). */
  public static final int USAGE = 2;

  /** Exit code: Redis could not be reached. */
  public static final int UNREACHABLE = 3;

  @Spec CommandSpec spec;

  /** Runs the CLI and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI with the given streams and returns its exit code (for tests and embedding). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new R4jCli()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code r4j ping}: checks that Redis answers. */
  @Command(name = "ping", mixinStandardHelpOptions = true, description = "Check that Redis answers.")
  static final class Ping implements Callable<Integer> {

    @Mixin ConnectionOptions connection;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      RedissonClient client;
      try {
        client = Redisson.create(connection.toRedissonConfig());
      } catch (RedisException e) {
        spec.commandLine().getErr().println(
            "r4j: cannot reach Redis at " + connection.address() + ": " + e.getMessage());
        return UNREACHABLE;
      }
      try {
        boolean pong = client.getRedisNodes(RedisNodes.SINGLE).pingAll();
        if (!pong) {
          spec.commandLine().getErr().println("r4j: Redis at " + connection.address() + " did not answer PING");
          return UNREACHABLE;
        }
        spec.commandLine().getOut().println("PONG from " + connection.address());
        return OK;
      } finally {
        client.shutdown();
      }
    }
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = R4jCli.class.getPackage().getImplementationVersion();
      return new String[] {"r4j " + (version == null ? "(development build)" : version)};
    }
  }
}
