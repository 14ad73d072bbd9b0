package io.github.r4jredis.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy between one client (a node of a fleet) and a Redis server, to partition that
 * node alone: {@link #cut()} closes its connections and refuses new ones, {@link #drop()} keeps
 * them open and passes nothing (a black hole: the client sees no error, only no answer),
 * {@link #delay(Duration)} holds every chunk back, {@link #heal()} ends all of it.
 *
 * <pre>{@code
 * try (TcpProxy proxy = TcpProxy.to(redis)) {
 *   RedissonClient partitioned = ...setAddress(proxy.address())...;
 *   proxy.drop();   // this client alone loses Redis
 *   proxy.heal();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Plain blocking sockets, two threads per connection: made for a handful of
 * connections in a test, not for load.
 */
public final class TcpProxy implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);

  private enum Mode { PASS, CUT, DROP }

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "r4j-tcp-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = Mode.PASS;
  private volatile long delayNanos;
  private volatile boolean closed;

  private TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  /** A proxy to {@code redis}, listening on a free loopback port. */
  public static TcpProxy to(RedisServer redis) {
    return to(redis.host(), redis.port());
  }

  /** A proxy to {@code host:port}, listening on a free loopback port. */
  public static TcpProxy to(String host, int port) {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [1,65535], was " + port);
    }
    try {
      return new TcpProxy(host, port);
    } catch (IOException e) {
      throw new RedisTestkitException("Cannot open a proxy port to " + host + ":" + port, e);
    }
  }

  /** The proxy's address for a Redis client: {@code redis://127.0.0.1:<port>}. */
  public String address() {
    return "redis://127.0.0.1:" + server.getLocalPort();
  }

  /** Closes every connection and refuses new ones (they are accepted and closed at once). */
  public void cut() {
    mode = Mode.CUT;
    closeConnections();
  }

  /**
   * Keeps connections open and passes no byte either way, new connections too, until
   * {@link #heal()}. The bytes are held, not lost: across a real partition TCP retransmits what
   * the network dropped, so a stream never has a hole, it only stalls.
   */
  public void drop() {
    mode = Mode.DROP;
  }

  /** Holds every chunk back {@code delay} before passing it on (zero: none). */
  public void delay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    delayNanos = delay.toNanos();
  }

  /** Passes everything again, at once. Connections cut before stay closed; clients reconnect. */
  public void heal() {
    delayNanos = 0;
    mode = Mode.PASS;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("Closing the proxy's port", e);
    }
    closeConnections();
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "TcpProxy[" + address() + " -> " + targetHost + ":" + targetPort + ", " + mode + "]";
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Proxy stopped accepting", e);
        }
        return;
      }
      if (mode == Mode.CUT) {
        quietly(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 2_000);
        sockets.add(client);
        sockets.add(upstream);
        threads.execute(() -> pump(client, upstream));
        threads.execute(() -> pump(upstream, client));
      } catch (IOException e) {
        quietly(client); // the server is down: so is the proxy, as a client would see it
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        long delay = delayNanos;
        if (delay > 0) {
          TimeUnit.NANOSECONDS.sleep(delay);
        }
        while (mode == Mode.DROP && !closed) {
          TimeUnit.MILLISECONDS.sleep(5);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (SocketException e) {
      // closed by cut(), close() or the other side
    } catch (IOException e) {
      LOG.debug("Proxy connection failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      quietly(from);
      quietly(to);
    }
  }

  private void closeConnections() {
    for (Socket socket : sockets) {
      quietly(socket);
    }
    sockets.clear();
  }

  private void quietly(Socket socket) {
    sockets.remove(socket);
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("Closing a proxied socket", e);
    }
  }
}
