package io.github.r4jredis.testkit;

import io.github.r4jredis.testkit.internal.ManagedRedisServer;
import io.github.r4jredis.testkit.internal.ServerRegistry;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 extension that hands tests real Redis servers (register it with {@link RedisTest}).
 *
 * <p>Parameters it resolves:
 * <ul>
 *   <li>{@link RedisServer}: the server shared by every test of this JVM: the one
 *       {@code REDIS_URL} names, else a throwaway {@code redis-server} started on first use.
 *       Never kill it; combine it with a {@link KeyPrefix} so tests stay apart.
 *   <li>{@link Dedicated @Dedicated} {@link RedisServer}: a server of this test alone, killed
 *       after it; for fault tests.
 *   <li>{@link RedisCluster}: three masters; {@link RedisSentinel}: one master, one replica,
 *       three sentinels. Both killed after the test.
 *   <li>{@link KeyPrefix @KeyPrefix} {@code String}: a key prefix unique to this test.
 * </ul>
 *
 * <p>When a test fails, the last lines of the log of every server started since its class began
 * (and of the shared server) are attached to the failure as a suppressed exception, so the
 * report shows what Redis said.
 */
public final class RedisExtension
    implements ParameterResolver, BeforeAllCallback, TestExecutionExceptionHandler {

  private static final Namespace NAMESPACE = Namespace.create(RedisExtension.class);
  private static final String SHARED = "shared-server";
  private static final String CLASS_SEQUENCE = "class-sequence";
  private static final int LOG_LINES = 40;

  /** Creates the extension; JUnit does this when it sees {@link RedisTest}. */
  public RedisExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put(CLASS_SEQUENCE, ServerRegistry.sequence());
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == RedisServer.class
        || type == RedisCluster.class
        || type == RedisSentinel.class
        || (type == String.class && parameterContext.isAnnotated(KeyPrefix.class));
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
    Parameter parameter = parameterContext.getParameter();
    Class<?> type = parameter.getType();
    if (type == String.class) {
      return keyPrefix(context);
    }
    if (type == RedisCluster.class) {
      return closeWith(context, RedisCluster.start());
    }
    if (type == RedisSentinel.class) {
      return closeWith(context, RedisSentinel.start());
    }
    Dedicated dedicated = parameter.getAnnotation(Dedicated.class);
    if (dedicated != null) {
      return closeWith(context, RedisServer.builder().appendOnly(dedicated.appendOnly()).start());
    }
    return shared(context);
  }

  private static RedisServer shared(ExtensionContext context) {
    ExtensionContext.Store root = context.getRoot().getStore(NAMESPACE);
    return root.getOrComputeIfAbsent(SHARED, key -> new Closing(RedisServer.fromEnvironment()), Closing.class)
        .server();
  }

  private static <T extends AutoCloseable> T closeWith(ExtensionContext context, T resource) {
    context.getStore(NAMESPACE).put(new Object(), new Closing(resource));
    return resource;
  }

  static String keyPrefix(ExtensionContext context) {
    String name =
        context.getTestMethod().map(m -> m.getName()).orElse(context.getDisplayName())
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-");
    if (name.length() > 30) {
      name = name.substring(0, 30);
    }
    byte[] random = new byte[3];
    ThreadLocalRandom.current().nextBytes(random);
    return "t-" + name + "-" + HexFormat.of().formatHex(random);
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    List<RedisServer> servers = new ArrayList<>();
    Closing shared = context.getRoot().getStore(NAMESPACE).get(SHARED, Closing.class);
    if (shared != null) {
      servers.add(shared.server());
    }
    Integer since = context.getParent().map(p -> p.getStore(NAMESPACE).get(CLASS_SEQUENCE, Integer.class))
        .orElse(null);
    for (ManagedRedisServer server : ServerRegistry.startedSince(since == null ? 0 : since)) {
      if (!servers.contains(server)) {
        servers.add(server);
      }
    }
    if (!servers.isEmpty()) {
      StringBuilder text = new StringBuilder("Logs of the Redis servers of this test:");
      for (RedisServer server : servers) {
        text.append("\n---- ").append(server).append(" (last ").append(LOG_LINES).append(" lines)\n")
            .append(server.logTail(LOG_LINES));
      }
      throwable.addSuppressed(new RedisServerLogs(text.toString()));
    }
    throw throwable;
  }

  /** Carries server logs into a failure report; has no stack trace of its own. */
  static final class RedisServerLogs extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedisServerLogs(String logs) {
      super(logs, null, false, false);
    }
  }

  /** Adapts an {@link AutoCloseable} to the store's close-at-scope-end contract. */
  @SuppressWarnings("deprecation") // CloseableResource: JUnit 5.12's way; 5.13 takes AutoCloseable.
  private record Closing(AutoCloseable resource) implements ExtensionContext.Store.CloseableResource {
    RedisServer server() {
      return (RedisServer) resource;
    }

    @Override
    public void close() throws Exception {
      resource.close();
    }
  }
}
