package io.github.r4jredis.cli;

import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import io.github.r4jredis.state.RedisStateException;
import io.github.r4jredis.state.SharedBreakerState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.Charset;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.RedisException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code r4j}: the operator command line for fleet-shared circuit breakers.
 *
 * <p>Exit codes a script can rely on: {@value #OK} success, {@value #REFUSED} refused (an illegal
 * transition, or the operator answered no), {@value #USAGE} bad usage, {@value #UNREACHABLE}
 * Redis unreachable, {@value #NOT_FOUND} no breaker of that name, {@value #AUTH_FAILED} Redis
 * refused the credentials.
 */
@Command(
    name = "r4j",
    mixinStandardHelpOptions = true,
    versionProvider = R4jCli.Version.class,
    description = "Inspect and operate the circuit breakers a fleet shares through Redis.",
    subcommands = {
        R4jCli.Status.class, R4jCli.Watch.class, R4jCli.Reset.class, R4jCli.ForceOpen.class,
        R4jCli.Disable.class, R4jCli.Ping.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success", "1:refused (illegal transition, or not confirmed)", "2:bad usage",
        "3:Redis unreachable", "4:no breaker of that name", "5:Redis refused the credentials"})
public final class R4jCli implements Runnable {

  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: refused, by Redis (an illegal transition) or by the operator at the prompt. */
  public static final int REFUSED = 1;

  /** Exit code: bad usage (picocli's). */
  public static final int USAGE = 2;

  /** Exit code: Redis could not be reached. */
  public static final int UNREACHABLE = 3;

  /** Exit code: no breaker of that name under the key prefix. */
  public static final int NOT_FOUND = 4;

  /** Exit code: Redis answered, but refused the credentials (a wrong or missing password or user). */
  public static final int AUTH_FAILED = 5;

  @Spec CommandSpec spec;

  private final BufferedReader in;
  private final PasswordPrompt passwords;

  private R4jCli(BufferedReader in, PasswordPrompt passwords) {
    this.in = in;
    this.passwords = passwords;
  }

  /** Runs the CLI and exits the JVM with its exit code. */
  public static void main(String[] args) {
    Charset charset = System.console() != null ? System.console().charset() : Charset.defaultCharset();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, charset));
    System.exit(execute(new R4jCli(in, PasswordPrompt.ofProcess(in)),
        new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the CLI with the given streams and returns its exit code (for tests and embedding).
   * Confirmations and {@code --password} read {@code in} (the password: its first line), whose
   * prompts go to {@code err}: {@code out} holds only the answer.
   */
  public static int execute(Reader in, PrintWriter out, PrintWriter err, String... args) {
    BufferedReader lines = new BufferedReader(in);
    return execute(new R4jCli(lines, PasswordPrompt.of(lines)), out, err, args);
  }

  private static int execute(R4jCli cli, PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(cli).setOut(out).setErr(err)
        .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
          if (e instanceof RedisStateException) { // says what could not be done, and why
            commandLine.getErr().println("r4j: " + e.getMessage());
            return UNREACHABLE;
          }
          if (e instanceof RedisException) {
            commandLine.getErr().println("r4j: Redis did not answer: " + e.getMessage());
            return UNREACHABLE;
          }
          if (e instanceof IllegalArgumentException) { // a name the registry refuses, with why
            commandLine.getErr().println("r4j: " + e.getMessage());
            return USAGE;
          }
          throw e;
        })
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Base of the commands that talk to Redis: connects, runs, always disconnects. */
  abstract static class RedisCommand implements Callable<Integer> {

    @Mixin ConnectionOptions connection;

    @Spec CommandSpec spec;

    @CommandLine.ParentCommand R4jCli parent;

    private @Nullable RedissonClient client;
    private @Nullable RedisCircuitBreakerRegistry registry;

    @Override
    public final Integer call() throws Exception {
      String typedPassword;
      try {
        typedPassword = connection.asksForPassword() ? parent.passwords.read("Redis password: ") : null;
      } catch (IOException e) {
        err().println("r4j: " + e.getMessage());
        return USAGE;
      }
      try {
        client = Redisson.create(connection.toRedissonConfig(typedPassword));
      } catch (RedisException e) {
        String refusal = authRefusal(e);
        if (refusal != null) {
          err().println("r4j: Redis at " + connection.address() + " refused the credentials (" + refusal
              + "): check --password, $" + ConnectionOptions.PASSWORD_ENV + " or the user and password in --url");
          return AUTH_FAILED;
        }
        err().println("r4j: cannot reach Redis at " + connection.address() + ": " + why(e));
        return UNREACHABLE;
      }
      try {
        return run();
      } finally {
        if (registry != null) {
          registry.close();
        }
        client.shutdown(0, 2, TimeUnit.SECONDS); // no quiet period: nothing is pending
      }
    }

    /** How Redis words a refusal of the credentials (Redis 6+, then older servers). */
    private static final List<String> AUTH_REFUSALS = List.of("WRONGPASS", "NOAUTH", "invalid password");

    abstract int run() throws Exception;

    /**
     * Redis's own words when it refused the credentials (WRONGPASS, NOAUTH, an ACL's NOPERM on
     * AUTH), found in the chain of causes Redisson wraps them in; null for anything else.
     */
    private static @Nullable String authRefusal(Throwable error) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        String message = String.valueOf(t.getMessage());
        for (String code : AUTH_REFUSALS) {
          int at = message.indexOf(code);
          if (at >= 0) {
            int end = message.indexOf('.', at);
            return message.substring(at, end < 0 ? message.length() : end).strip();
          }
        }
      }
      return null;
    }

    /**
     * Why a connection failed, in one line: what the network said (refused, timed out, unknown
     * host), or that the server answered but not as Redis does (an HTTP port, say).
     */
    private static String why(Throwable error) {
      Throwable deepest = error;
      for (Throwable t = error; t != null; t = t.getCause()) {
        String message = String.valueOf(t.getMessage());
        if (message.startsWith(NOT_REDIS)) {
          String answer = message.substring(NOT_REDIS.length()).strip().lines().findFirst().orElse("").strip();
          return "the server does not speak Redis's protocol (it answered '"
              + (answer.length() > 40 ? answer.substring(0, 40) + "…" : answer) + "'): is --url the Redis port?";
        }
        if (t instanceof IOException) {
          return message;
        }
        deepest = t;
      }
      return String.valueOf(deepest.getMessage());
    }

    /** How Redisson's decoder words a reply that is not the Redis protocol. */
    private static final String NOT_REDIS = "Can't decode replay:";

    RedissonClient client() {
      return Objects.requireNonNull(client);
    }

    /** An operator's registry: it creates no breaker and reports no outcome. */
    RedisCircuitBreakerRegistry registry() {
      if (registry == null) {
        registry = RedisCircuitBreakerRegistry.builder(client())
            .keyPrefix(connection.keyPrefix())
            .nodeId("r4j-cli-" + ProcessHandle.current().pid())
            .build();
      }
      return registry;
    }

    /**
     * With nothing under this prefix, says on stderr which prefixes do have breakers: every
     * registry lists its breakers in the set {@code <prefix>:breakers}. One SCAN, only then.
     */
    void hintOtherPrefixes() {
      List<String> prefixes = new ArrayList<>();
      try {
        for (String key : client().getKeys().getKeys(KeysScanOptions.defaults().pattern("*" + BREAKERS_SET)
            .type(RType.SET).chunkSize(1000).limit(100))) {
          String prefix = key.substring(0, key.length() - BREAKERS_SET.length());
          if (!prefix.equals(connection.keyPrefix()) && !prefix.contains(":")) {
            prefixes.add(prefix);
          }
        }
      } catch (RuntimeException e) {
        return; // a hint only (SCAN refused by an ACL, say): the answer printed stands
      }
      if (!prefixes.isEmpty()) {
        prefixes.sort(null);
        err().println("r4j: nothing under prefix '" + connection.keyPrefix() + "'; Redis has circuit breakers under "
            + String.join(", ", prefixes.stream().map(p -> "'" + p + "'").toList()) + " (--key-prefix)");
      }
    }

    /** The name of a registry's set of breakers, after its key prefix. */
    private static final String BREAKERS_SET = ":breakers";

    int notFound(String name) {
      err().println("r4j: no circuit breaker named '" + name + "' under prefix '" + connection.keyPrefix() + "'");
      return NOT_FOUND;
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** Asks on stderr, reads stdin; anything but y/yes (also end of input) is a no. */
    boolean confirm(String question) throws IOException {
      err().print(question + " [y/N] ");
      err().flush();
      String answer = parent.in.readLine();
      return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    }
  }

  /** {@code r4j status}: every shared breaker, or the ones named. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show the shared state of every breaker (or of the ones named).")
  static final class Status extends RedisCommand {

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Breakers to show (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    int run() {
      List<SharedBreakerState> states = new ArrayList<>();
      if (names.isEmpty()) {
        states.addAll(registry().sharedBreakers());
      } else {
        for (String name : names) {
          Optional<SharedBreakerState> state = registry().sharedBreaker(name);
          if (state.isEmpty()) {
            return notFound(name);
          }
          states.add(state.get());
        }
      }
      out().print(json ? StatusView.json(states, true) : StatusView.table(states, Instant.now()));
      out().flush();
      if (states.isEmpty()) {
        hintOtherPrefixes();
      }
      return OK;
    }
  }

  /** {@code r4j watch}: status, refreshed until interrupted. */
  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Show the shared state of every breaker, refreshed until Ctrl-C.")
  static final class Watch extends RedisCommand {

    @Option(names = "--interval", defaultValue = "PT1S", description = "Refresh interval (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--count", description = "Stop after this many refreshes (default: until Ctrl-C).")
    @Nullable Integer count;

    @Option(names = "--json", description = "Print one JSON document per refresh, one per line.")
    boolean json;

    @Override
    int run() throws InterruptedException {
      if (interval.toMillis() < 100) {
        throw new ParameterException(spec.commandLine(), "--interval must be at least 100ms, was " + interval);
      }
      if (count != null && count < 1) {
        throw new ParameterException(spec.commandLine(), "--count must be at least 1, was " + count);
      }
      // Clear the screen only on a terminal: piped into a file, frames follow each other.
      boolean terminal = System.console() != null && !json;
      for (int i = 0; count == null || i < count; i++) {
        if (i > 0) {
          Thread.sleep(interval.toMillis());
        }
        List<SharedBreakerState> states = registry().sharedBreakers();
        Instant now = Instant.now();
        if (json) {
          out().println(StatusView.json(states, false).strip());
        } else {
          out().print(terminal ? "\033[H\033[2J" : (i > 0 ? System.lineSeparator() : ""));
          out().printf("%s  %s  prefix %s%n", now.truncatedTo(ChronoUnit.SECONDS), connection.address(),
              connection.keyPrefix());
          out().print(StatusView.table(states, now));
        }
        out().flush();
      }
      return OK;
    }
  }

  /** Shared by the commands that move one breaker (or all) to a state. */
  abstract static class Transition extends RedisCommand {

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--json", description = "Print the resulting state as JSON.")
    boolean json;

    abstract String verb();

    /** Moves the breaker; empty when Redis has none of that name. */
    abstract Optional<SharedBreakerState> apply(RedisCircuitBreakerRegistry registry, String name);

    int transition(List<String> names, String what) throws IOException {
      if (!yes && !confirm(capitalized(verb()) + " " + what + " for the whole fleet?")) {
        err().println("r4j: not confirmed, nothing changed");
        return REFUSED;
      }
      List<SharedBreakerState> after = new ArrayList<>();
      for (String name : names) {
        Optional<SharedBreakerState> state;
        try {
          state = apply(registry(), name);
        } catch (IllegalStateException e) {
          err().println("r4j: " + e.getMessage());
          return REFUSED;
        }
        if (state.isEmpty()) {
          return notFound(name);
        }
        after.add(state.get());
      }
      if (json) {
        out().print(StatusView.json(after, true));
      } else {
        for (SharedBreakerState state : after) {
          out().printf("%s: %s (version %d)%n", state.name(), state.state(), state.version());
        }
      }
      out().flush();
      return OK;
    }

    private static String capitalized(String s) {
      return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
  }

  /** {@code r4j reset NAME | --all}. */
  @Command(name = "reset", mixinStandardHelpOptions = true,
      description = "Reset a breaker (or all) for the whole fleet: CLOSED, empty window.")
  static final class Reset extends Transition {

    @ArgGroup(multiplicity = "1")
    Target target;

    static final class Target {
      @Parameters(paramLabel = "NAME", description = "The breaker to reset.")
      @Nullable String name;

      @Option(names = "--all", required = true, description = "Reset every breaker under the key prefix.")
      boolean all;
    }

    @Override
    String verb() {
      return "reset";
    }

    @Override
    Optional<SharedBreakerState> apply(RedisCircuitBreakerRegistry registry, String name) {
      return registry.reset(name) ? registry.sharedBreaker(name) : Optional.empty();
    }

    @Override
    int run() throws IOException {
      if (target.name != null) {
        return transition(List.of(target.name), "circuit breaker '" + target.name + "'");
      }
      List<String> names = registry().sharedBreakers().stream().map(SharedBreakerState::name).toList();
      if (names.isEmpty()) {
        out().println("No circuit breakers under prefix '" + connection.keyPrefix() + "'");
        hintOtherPrefixes();
        return OK;
      }
      return transition(names, "all " + names.size() + " circuit breakers " + names);
    }
  }

  /** Shared by the commands that move one named breaker to a state until it is reset. */
  abstract static class MoveTo extends Transition {

    @Parameters(paramLabel = "NAME", description = "The breaker.")
    String name;

    abstract State target();

    @Override
    Optional<SharedBreakerState> apply(RedisCircuitBreakerRegistry registry, String name) {
      return registry.transition(name, target());
    }

    @Override
    int run() throws IOException {
      return transition(List.of(name), "circuit breaker '" + name + "'");
    }
  }

  /** {@code r4j force-open NAME}. */
  @Command(name = "force-open", mixinStandardHelpOptions = true,
      description = "Force a breaker OPEN for the whole fleet until it is reset.")
  static final class ForceOpen extends MoveTo {

    @Override
    String verb() {
      return "force open";
    }

    @Override
    State target() {
      return State.FORCED_OPEN;
    }
  }

  /** {@code r4j disable NAME}. */
  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a breaker for the whole fleet (every call permitted) until it is reset.")
  static final class Disable extends MoveTo {

    @Override
    String verb() {
      return "disable";
    }

    @Override
    State target() {
      return State.DISABLED;
    }
  }

  /** {@code r4j ping}: checks that Redis answers. */
  @Command(name = "ping", mixinStandardHelpOptions = true, description = "Check that Redis answers.")
  static final class Ping extends RedisCommand {

    @Override
    int run() {
      if (!client().getRedisNodes(RedisNodes.SINGLE).pingAll()) {
        err().println("r4j: Redis at " + connection.address() + " did not answer PING");
        return UNREACHABLE;
      }
      out().println("PONG from " + connection.address());
      return OK;
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
