package io.github.r4jredis.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.github.r4jredis.state.FleetNames;
import java.net.URI;
import java.net.URISyntaxException;
import org.jspecify.annotations.Nullable;
import org.redisson.config.Config;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the CLI reaches Redis: a URL, TLS, and credentials taken from the environment or typed at
 * a prompt that does not echo, never from a command-line argument that {@code ps} would show.
 */
public final class ConnectionOptions {

  /** Environment variable read for the password when {@code --password} is not given. */
  public static final String PASSWORD_ENV = "R4J_REDIS_PASSWORD";

  /** Default server when neither {@code --url} nor {@code REDIS_URL} is set. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--url",
      defaultValue = "${env:REDIS_URL:-" + DEFAULT_URL + "}",
      description = "Redis URL, redis://host:port or rediss://host:port (default: $REDIS_URL, else ${DEFAULT-VALUE}).")
  String url = DEFAULT_URL;

  @Option(names = "--tls", description = "Use TLS even if the URL says redis://.")
  boolean tls;

  @Option(
      names = "--username",
      defaultValue = "${env:R4J_REDIS_USERNAME}",
      description = "ACL user name (default: $R4J_REDIS_USERNAME).")
  @Nullable String username;

  @Option(
      names = "--password",
      description = "Ask for the password, without echo, on the terminal (with no terminal: the first line"
          + " of standard input); default: $" + PASSWORD_ENV + ".")
  boolean askPassword;

  @Option(
      names = {"-v", "--verbose"},
      description = "Also print the log of Redisson and of the registry (on stderr).")
  void verbose(boolean verbose) {
    // The CLI's own logback.xml keeps every logger off: one line per problem, from the CLI itself.
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logs) {
      logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(verbose ? Level.INFO : Level.OFF);
    }
  }

  @Option(
      names = "--key-prefix",
      defaultValue = FleetNames.DEFAULT_PREFIX,
      description = "Key prefix of the breakers (default: ${DEFAULT-VALUE}).")
  String keyPrefix = FleetNames.DEFAULT_PREFIX;

  /** The address Redisson connects to, without credentials, with the TLS scheme if asked. */
  public String address() {
    URI uri = parse();
    String scheme = tls || "rediss".equals(uri.getScheme()) ? "rediss" : "redis";
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    return scheme + "://" + uri.getHost() + ":" + port;
  }

  /** The key prefix of the breakers to inspect. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** Whether {@code --password} asks for the password. */
  public boolean asksForPassword() {
    return askPassword;
  }

  /** {@link #toRedissonConfig(String)} with no password typed. */
  public Config toRedissonConfig() {
    return toRedissonConfig(null);
  }

  /**
   * A single-server Redisson config with short timeouts, as an operator tool wants them.
   *
   * @param typedPassword the password {@code --password} asked for, which wins over the
   *     environment and the URL; null when none was asked
   */
  public Config toRedissonConfig(@Nullable String typedPassword) {
    Config config = new Config();
    config
        .useSingleServer()
        .setAddress(address())
        .setConnectTimeout(2_000)
        .setTimeout(2_000)
        .setRetryAttempts(1)
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(2);
    config.setNettyThreads(2);
    String user = username != null ? username : userFromUrl();
    if (user != null) {
      config.setUsername(user);
    }
    String secret = typedPassword != null ? typedPassword : resolvePassword();
    if (secret != null) {
      config.setPassword(secret);
    }
    return config;
  }

  private @Nullable String resolvePassword() {
    String fromEnv = System.getenv(PASSWORD_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    String info = parse().getUserInfo();
    if (info != null && info.contains(":")) {
      return info.substring(info.indexOf(':') + 1);
    }
    return null;
  }

  private @Nullable String userFromUrl() {
    String info = parse().getUserInfo();
    if (info == null) {
      return null;
    }
    String user = info.contains(":") ? info.substring(0, info.indexOf(':')) : info;
    return user.isEmpty() ? null : user;
  }

  private URI parse() {
    try {
      URI uri = new URI(url);
      if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) || uri.getHost() == null) {
        throw bad();
      }
      return uri;
    } catch (URISyntaxException e) {
      throw bad();
    }
  }

  private ParameterException bad() {
    return new ParameterException(
        spec.commandLine(),
        "--url must be redis://host:port or rediss://host:port, was '" + redacted() + "'");
  }

  /** The URL with any credentials masked, for messages. */
  public String redacted() {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

  @Override
  public String toString() {
    return "ConnectionOptions[url=" + redacted() + ", tls=" + tls + ", keyPrefix=" + keyPrefix + "]";
  }
}
