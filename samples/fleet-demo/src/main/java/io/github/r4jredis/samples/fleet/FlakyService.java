package io.github.r4jredis.samples.fleet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The dependency the fleet protects ("calcom"): free slots to read, bookings to create. It can
 * be switched down (every request answers 503) and counts what reaches it, by the state the
 * caller's breaker was in (header {@value #BREAKER_STATE}), so wasted and trial calls are
 * measured where they land rather than where they are sent.
 */
final class FlakyService implements AutoCloseable {

  /** Request header: the caller's breaker state when it sent the request. */
  static final String BREAKER_STATE = "X-Breaker-State";

  /** Request header: the idempotency key of a booking. */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private volatile boolean down;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong whileDown = new AtomicLong();
  private final AtomicLong trialsWhileDown = new AtomicLong();
  private final AtomicLong trials = new AtomicLong();
  private final Set<String> bookings = ConcurrentHashMap.newKeySet();
  private final AtomicLong duplicateBookings = new AtomicLong();

  FlakyService() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    server.createContext("/slots", this::slots);
    server.createContext("/bookings", this::book);
    server.setExecutor(executor);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  void setDown(boolean down) {
    this.down = down;
  }

  boolean isDown() {
    return down;
  }

  /** Requests received, in all. */
  long requests() {
    return requests.get();
  }

  /** Requests received while down: each one a call the breakers let through in vain. */
  long requestsWhileDown() {
    return whileDown.get();
  }

  /** Of {@link #requestsWhileDown()}, those sent by a HALF_OPEN breaker (trial calls). */
  long trialsWhileDown() {
    return trialsWhileDown.get();
  }

  /** Requests sent by a HALF_OPEN breaker, up or down. */
  long trials() {
    return trials.get();
  }

  /** Distinct bookings made (by idempotency key). */
  int bookings() {
    return bookings.size();
  }

  /** Bookings sent again after they were made: the idempotency key made them no-ops. */
  long duplicateBookings() {
    return duplicateBookings.get();
  }

  private boolean count(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    boolean trial = "HALF_OPEN".equals(exchange.getRequestHeaders().getFirst(BREAKER_STATE));
    if (trial) {
      trials.incrementAndGet();
    }
    if (down) {
      whileDown.incrementAndGet();
      if (trial) {
        trialsWhileDown.incrementAndGet();
      }
      respond(exchange, 503, "calcom is down");
      return false;
    }
    return true;
  }

  private void slots(HttpExchange exchange) throws IOException {
    if (count(exchange)) {
      String query = exchange.getRequestURI().getQuery();
      respond(exchange, 200, "free slots for " + (query == null ? "today" : query) + ": 09:00, 11:30, 15:00");
    }
  }

  private void book(HttpExchange exchange) throws IOException {
    if (count(exchange)) {
      String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
      if (key == null) {
        respond(exchange, 400, "Idempotency-Key required");
      } else if (bookings.add(key)) {
        respond(exchange, 201, "booked " + key);
      } else {
        duplicateBookings.incrementAndGet();
        respond(exchange, 200, "already booked " + key);
      }
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
