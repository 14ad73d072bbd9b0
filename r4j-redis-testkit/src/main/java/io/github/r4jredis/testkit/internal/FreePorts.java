package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisTestkitException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Picks TCP ports on 127.0.0.1 that nothing listens on right now. */
final class FreePorts {

  private FreePorts() {}

  /**
   * A free port in 20000-54999: below Linux's ephemeral range (so outgoing connections do not
   * take it meanwhile) and with room for a cluster bus port at {@code port + 10000}. The port
   * can still be taken before the server binds it; callers retry on "Address already in use".
   *
   * @param withBusPort whether {@code port + 10000} must be free too (Redis Cluster)
   */
  static int pick(boolean withBusPort) {
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 55_000);
      if (isFree(port) && (!withBusPort || isFree(port + 10_000))) {
        return port;
      }
    }
    throw new RedisTestkitException("No free TCP port found on " + ManagedRedisServer.HOST);
  }

  private static boolean isFree(int port) {
    try {
      new ServerSocket(port, 1, InetAddress.getByName(ManagedRedisServer.HOST)).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
