package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisServer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Testcontainers server when asked and possible. Testcontainers is an optional
 * dependency: this class checks it is on the class path before touching any of its types.
 */
public final class ContainerSupport {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerSupport.class);

  private ContainerSupport() {}

  /** A container server, or {@code null} when Testcontainers or a Docker engine is missing. */
  public static @Nullable RedisServer startIfDockerAvailable(ServerSpec spec) {
    try {
      Class.forName("org.testcontainers.DockerClientFactory");
    } catch (ClassNotFoundException e) {
      LOG.warn(
          "-D{}=true but org.testcontainers:testcontainers is not on the class path; "
              + "starting a redis-server process instead",
          RedisServer.TESTCONTAINERS_PROPERTY);
      return null;
    }
    if (!ContainerRedisServer.isDockerAvailable()) {
      LOG.warn(
          "-D{}=true but no Docker engine answers; starting a redis-server process instead",
          RedisServer.TESTCONTAINERS_PROPERTY);
      return null;
    }
    return ContainerRedisServer.start(spec);
  }
}
