package io.github.r4jredis.testkit.internal;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.github.r4jredis.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Redis server in a Docker container (Testcontainers), bound to a fixed host port so that a
 * restart keeps the address. Only loaded when Testcontainers is on the class path.
 *
 * <p>Thread-safe: control methods are {@code synchronized}; {@code container} and
 * {@code paused} are guarded by {@code this}.
 */
final class ContainerRedisServer implements RedisServer {

  /** System property naming the image; default {@value #DEFAULT_IMAGE}. */
  static final String IMAGE_PROPERTY = "r4j.redis.image";

  static final String DEFAULT_IMAGE = "redis:7.0";
  private static final int REDIS_PORT = 6379;
  private static final Duration PING_TIMEOUT = Duration.ofMillis(500);

  private final ServerSpec spec;
  private final int hostPort;
  private GenericContainer<?> container;
  private boolean paused;
  private boolean closed;

  private ContainerRedisServer(ServerSpec spec, int hostPort, GenericContainer<?> container) {
    this.spec = spec;
    this.hostPort = hostPort;
    this.container = container;
  }

  static boolean isDockerAvailable() {
    return DockerClientFactory.instance().isDockerAvailable();
  }

  static ContainerRedisServer start(ServerSpec spec) {
    int hostPort = FreePorts.pick(false);
    return new ContainerRedisServer(spec, hostPort, launch(spec, hostPort));
  }

  private static GenericContainer<?> launch(ServerSpec spec, int hostPort) {
    String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
    List<String> command = new ArrayList<>(List.of("redis-server"));
    command.addAll(spec.arguments(REDIS_PORT, "/data", "0.0.0.0"));
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(image))
            .withExposedPorts(REDIS_PORT)
            .withCommand(command.toArray(String[]::new))
            .withStartupTimeout(spec.startTimeout())
            .withCreateContainerCmdModifier(
                cmd ->
                    cmd.getHostConfig()
                        .withPortBindings(
                            new PortBinding(
                                Ports.Binding.bindPort(hostPort), ExposedPort.tcp(REDIS_PORT))));
    container.start();
    return container;
  }

  @Override
  public String host() {
    return container.getHost();
  }

  @Override
  public int port() {
    return hostPort;
  }

  @Override
  public @Nullable String username() {
    return null;
  }

  @Override
  public @Nullable String password() {
    return spec.password();
  }

  @Override
  public boolean isManaged() {
    return true;
  }

  @Override
  public synchronized boolean isAlive() {
    return !closed && container.isRunning();
  }

  @Override
  public synchronized boolean isPaused() {
    return paused;
  }

  @Override
  public synchronized void kill() {
    requireOpen();
    container.getDockerClient().killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
    paused = false;
  }

  @Override
  public synchronized void pause() {
    requireOpen();
    if (paused) {
      throw new IllegalStateException(this + " is already paused");
    }
    container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
    paused = true;
  }

  @Override
  public synchronized void resume() {
    requireOpen();
    if (!paused) {
      throw new IllegalStateException(this + " is not paused");
    }
    container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
    paused = false;
  }

  @Override
  public synchronized void restart() {
    requireOpen();
    var docker = container.getDockerClient();
    String id = container.getContainerId();
    if (paused) {
      docker.unpauseContainerCmd(id).exec();
      paused = false;
    }
    if (container.isRunning()) {
      docker.stopContainerCmd(id).exec();
    }
    docker.startContainerCmd(id).exec();
    awaitPing();
  }

  @Override
  public synchronized void restartEmpty() {
    requireOpen();
    // A fresh container on the same host port: nothing of the old file system survives.
    container.stop();
    paused = false;
    container = launch(spec, hostPort);
  }

  private void awaitPing() {
    Poll.until(
        this + " to answer PING after restart",
        spec.startTimeout(),
        () -> Admin.ping(host(), hostPort, spec.password(), PING_TIMEOUT),
        () -> logTail(20));
  }

  @Override
  public synchronized String logTail(int lines) {
    String[] all = container.getLogs().split("\n");
    return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      container.stop();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  @Override
  public String toString() {
    return "container redis@" + container.getHost() + ":" + hostPort;
  }
}
