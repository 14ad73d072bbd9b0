package io.github.r4jredis.state;

import io.github.r4jredis.state.internal.KeySpace;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The rules every r4j-redis module applies to the names a fleet shares: the prefix of the Redis
 * keys and the id of a node, and the default of each. One rule, so that what one module accepts
 * (the registry's default node id, say) no other module refuses when it is handed on (a retry
 * queue's consumer, an SLO monitor's node).
 */
public final class FleetNames {

  /** The default key prefix. */
  public static final String DEFAULT_PREFIX = "r4j";

  /** Longest node id accepted, in characters. */
  public static final int MAX_NODE_ID_LENGTH = 100;

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_NODE_ID_LENGTH + "}");
  /** The host part of a default node id keeps this many characters at most. */
  private static final int MAX_HOST_LENGTH = 60;

  private FleetNames() {}

  /**
   * {@code prefix}, if it is 1-64 of {@code [A-Za-z0-9._-]}.
   *
   * @param what the setting's name, for the message
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  public static String requirePrefix(String what, String prefix) {
    return KeySpace.requirePrefix(what, prefix);
  }

  /**
   * {@code nodeId}, if it is 1-100 of {@code [A-Za-z0-9._:@-]}.
   *
   * @param what the setting's name, for the message
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  public static String requireNodeId(String what, String nodeId) {
    Objects.requireNonNull(nodeId, what);
    if (!NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException(what + " must be 1-" + MAX_NODE_ID_LENGTH + " of [A-Za-z0-9._:@-], was '"
          + KeySpace.printable(nodeId, MAX_NODE_ID_LENGTH) + "'");
    }
    return nodeId;
  }

  /**
   * A node id for this JVM: {@code <host>-<pid>-<6 hex digits>}, the host name cut to 60
   * characters, anything outside {@code [A-Za-z0-9._-]} replaced by {@code -}. A new random part
   * at each call: two registries of one JVM are two nodes.
   */
  public static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "node";
    }
    return defaultNodeId(host, ManagementFactory.getRuntimeMXBean().getPid());
  }

  static String defaultNodeId(String host, long pid) {
    String safe = host.replaceAll("[^A-Za-z0-9._-]", "-");
    if (safe.isEmpty()) {
      safe = "node";
    }
    if (safe.length() > MAX_HOST_LENGTH) {
      safe = safe.substring(0, MAX_HOST_LENGTH);
    }
    byte[] random = new byte[3];
    ThreadLocalRandom.current().nextBytes(random);
    return safe + "-" + pid + "-" + HexFormat.of().formatHex(random);
  }
}
