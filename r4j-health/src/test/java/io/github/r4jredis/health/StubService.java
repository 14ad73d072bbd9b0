package io.github.r4jredis.health;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP service on a free port: answers /health with a status the test sets, or hangs. */
final class StubService implements AutoCloseable {

  final AtomicInteger status = new AtomicInteger(200);
  final AtomicInteger hits = new AtomicInteger();
  final AtomicReference<CountDownLatch> hang = new AtomicReference<>(new CountDownLatch(0));
  private final HttpServer server;

  StubService() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/health", exchange -> {
      hits.incrementAndGet();
      try {
        hang.get().await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(status.get(), -1);
      exchange.close();
    });
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "stub-service");
      thread.setDaemon(true);
      return thread;
    }));
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
  }

  void hangUntilReleased() {
    hang.set(new CountDownLatch(1));
  }

  void release() {
    hang.get().countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
