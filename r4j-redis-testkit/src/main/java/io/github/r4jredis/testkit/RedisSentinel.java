package io.github.r4jredis.testkit;

import io.github.r4jredis.testkit.internal.ManagedRedisSentinel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A Sentinel-monitored Redis: one master, its replicas and a quorum of sentinels, all real
 * {@code redis-server} processes on 127.0.0.1. {@link Builder#start()} returns once every
 * replica is in sync and every sentinel knows the master, the replicas and the other sentinels.
 *
 * <p>Every process is a managed {@link RedisServer}: kill the master to make the sentinels fail
 * over. Thread-safe; {@link #close()} kills every process and is idempotent.
 */
public interface RedisSentinel extends AutoCloseable {

  /** Starts one master, one replica and three sentinels monitoring {@code mymaster}. */
  static RedisSentinel start() {
    return builder().start();
  }

  /** A builder for a sentinel set-up. */
  static Builder builder() {
    return new Builder();
  }

  /** The name the sentinels monitor the master under. */
  String masterName();

  /** The server started as master (after a failover it may be a replica or dead). */
  RedisServer master();

  /** The servers started as replicas. */
  List<RedisServer> replicas();

  /** The sentinel processes. */
  List<RedisServer> sentinels();

  /** The sentinels' addresses, as Redisson's sentinel config takes them. */
  default List<String> sentinelAddresses() {
    return sentinels().stream().map(RedisServer::address).toList();
  }

  /**
   * The server the first answering sentinel names as master now.
   *
   * @throws RedisTestkitException when no sentinel answers
   */
  RedisServer currentMaster();

  /**
   * Asks a sentinel to fail over ({@code SENTINEL FAILOVER}) and waits until the sentinels name
   * another master and that master accepts writes.
   *
   * @throws RedisTestkitException when the failover does not complete in time
   */
  void failover();

  /** Kills every process. Idempotent. */
  @Override
  void close();

  /** Settings of a sentinel set-up. Not thread-safe. */
  final class Builder {

    /** Default name of the monitored master. */
    public static final String DEFAULT_MASTER_NAME = "mymaster";

    /** Default {@code down-after-milliseconds}: short, so that failover tests run quickly. */
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofSeconds(1);

    private String masterName = DEFAULT_MASTER_NAME;
    private int replicas = 1;
    private int sentinels = 3;
    private Duration downAfter = DEFAULT_DOWN_AFTER;
    private Duration startTimeout = Duration.ofSeconds(30);
    private Duration replicaClockOffset = Duration.ZERO;

    Builder() {}

    /** Name of the monitored master: letters, digits, '-', '_' or '.'. Default {@code mymaster}. */
    public Builder masterName(String masterName) {
      Objects.requireNonNull(masterName, "masterName");
      if (!masterName.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException(
            "masterName must be 1-64 of [A-Za-z0-9._-], was '" + masterName + "'");
      }
      this.masterName = masterName;
      return this;
    }

    /** Number of replicas, 0 to 5. Default 1. */
    public Builder replicas(int replicas) {
      if (replicas < 0 || replicas > 5) {
        throw new IllegalArgumentException("replicas must be in [0,5], was " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /** Number of sentinels, 1 to 7; the quorum is a majority of them. Default 3. */
    public Builder sentinels(int sentinels) {
      if (sentinels < 1 || sentinels > 7) {
        throw new IllegalArgumentException("sentinels must be in [1,7], was " + sentinels);
      }
      this.sentinels = sentinels;
      return this;
    }

    /** How long the master must be unreachable before sentinels call it down. Default 1 s. */
    public Builder downAfter(Duration downAfter) {
      Objects.requireNonNull(downAfter, "downAfter");
      if (downAfter.toMillis() < 100) {
        throw new IllegalArgumentException("downAfter must be at least 100 ms, was " + downAfter);
      }
      this.downAfter = downAfter;
      return this;
    }

    /**
     * Runs every replica on a wall clock off by {@code offset}, so that a failover brings a
     * master whose Redis {@code TIME} jumps (see {@link RedisServer.Builder#clockOffset}).
     * Default zero.
     */
    public Builder replicaClockOffset(Duration offset) {
      this.replicaClockOffset = Objects.requireNonNull(offset, "offset");
      return this;
    }

    /** How long the whole set-up may take to be ready. Default 30 s. */
    public Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout");
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * Starts the master, the replicas and the sentinels, and waits until they know each other.
     *
     * @throws RedisTestkitException when the set-up is not ready in time; processes already
     *     started are killed
     */
    public RedisSentinel start() {
      return ManagedRedisSentinel.start(masterName, replicas, sentinels, downAfter, startTimeout, replicaClockOffset);
    }
  }
}
