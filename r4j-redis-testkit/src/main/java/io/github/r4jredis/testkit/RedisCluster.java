package io.github.r4jredis.testkit;

import io.github.r4jredis.testkit.internal.ManagedRedisCluster;
import io.github.r4jredis.testkit.internal.RedisBinary;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A Redis Cluster of real {@code redis-server} processes on 127.0.0.1, slots spread evenly over
 * the masters and {@code cluster_state:ok} before {@link Builder#start()} returns.
 *
 * <p>Each node is a managed {@link RedisServer}, so a test can kill, pause or restart one.
 * Thread-safe; {@link #close()} kills every node and is idempotent.
 */
public interface RedisCluster extends AutoCloseable {

  /** Starts a cluster of three masters. */
  static RedisCluster start() {
    return builder().start();
  }

  /** A builder for a cluster. */
  static Builder builder() {
    return new Builder();
  }

  /** The nodes, in slot order: node 0 serves the lowest slots. */
  List<RedisServer> nodes();

  /** The nodes' addresses, {@code redis://127.0.0.1:port}, as Redisson's cluster config takes them. */
  default List<String> nodeAddresses() {
    return nodes().stream().map(RedisServer::address).toList();
  }

  /** Kills every node. Idempotent. */
  @Override
  void close();

  /** Settings of a cluster. Not thread-safe. */
  final class Builder {

    /** Default number of masters. */
    public static final int DEFAULT_MASTERS = 3;

    /** Default cluster-node-timeout: short, so that tests of node failures run quickly. */
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(2);

    private int masters = DEFAULT_MASTERS;
    private Duration nodeTimeout = DEFAULT_NODE_TIMEOUT;
    private Duration startTimeout = RedisServer.Builder.DEFAULT_START_TIMEOUT;
    private boolean embedded;

    Builder() {}

    /** Number of master nodes, 1 to 16. Default 3. */
    public Builder masters(int masters) {
      if (masters < 1 || masters > 16) {
        throw new IllegalArgumentException("masters must be in [1,16], was " + masters);
      }
      this.masters = masters;
      return this;
    }

    /** The nodes' {@code cluster-node-timeout}. Default 2 s. */
    public Builder nodeTimeout(Duration nodeTimeout) {
      Objects.requireNonNull(nodeTimeout, "nodeTimeout");
      if (nodeTimeout.toMillis() < 100) {
        throw new IllegalArgumentException("nodeTimeout must be at least 100 ms, was " + nodeTimeout);
      }
      this.nodeTimeout = nodeTimeout;
      return this;
    }

    /** How long the whole cluster may take to reach {@code cluster_state:ok}. Default 20 s. */
    public Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout");
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * Runs the nodes on the redis-server embedded-redis ships (Redis 6.2) instead of the one on
     * PATH: for what a Redis before 7.0 lacks (sharded pub/sub). Default: the server on PATH.
     */
    public Builder embeddedRedis() {
      this.embedded = true;
      return this;
    }

    /**
     * Starts the nodes, assigns the slots, joins the nodes and waits for {@code cluster_state:ok}.
     *
     * @throws RedisTestkitException when the cluster does not form in time; nodes already
     *     started are killed
     */
    public RedisCluster start() {
      return ManagedRedisCluster.start(masters, nodeTimeout, startTimeout,
          embedded ? RedisBinary.embedded() : RedisBinary.path());
    }
  }
}
