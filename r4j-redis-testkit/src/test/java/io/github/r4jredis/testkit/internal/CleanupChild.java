package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisServer;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link ProcessCleanupIT}: starts two servers (one of them paused), prints
 * their pids, then exits normally ({@code exit}) or waits to be killed ({@code hang}).
 */
public final class CleanupChild {

  private CleanupChild() {}

  public static void main(String[] args) throws InterruptedException {
    RedisServer running = RedisServer.start();
    RedisServer paused = RedisServer.start();
    paused.pause();
    System.out.println("PID " + ((ManagedRedisServer) running).pid());
    System.out.println("PID " + ((ManagedRedisServer) paused).pid());
    System.out.println("READY");
    System.out.flush();
    if ("hang".equals(args[0])) {
      new CountDownLatch(1).await();
    }
    System.exit(0);
  }
}
