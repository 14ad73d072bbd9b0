package io.github.r4jredis.samples.booking;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The booking sample started as its users start it, on a free port, against a test's Redis. */
final class BookingServer implements AutoCloseable {

  static final String OPERATOR = "operator:correct-horse-battery";
  static final String VIEWER = "viewer:just-looking-around";

  final ConfigurableApplicationContext context;
  final String base;
  private final HttpClient http = HttpClient.newHttpClient();

  private BookingServer(ConfigurableApplicationContext context) {
    this.context = context;
    this.base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
  }

  /** Starts the app with the test's Redis and key prefix; {@code more} properties win over the defaults. */
  static BookingServer start(RedisServer redis, String prefix, String... more) {
    // As command-line arguments: they win over application.yml (builder properties would not,
    // and the app would reach for the Redis of its own configuration).
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "r4j.redis.url=" + redis.address(),
        "r4j.redis.key-prefix=" + prefix,
        "app.probe-interval=PT0.2S",
        "app.security.operator-password=correct-horse-battery",
        "app.security.viewer-password=just-looking-around"));
    properties.addAll(List.of(more));
    Map<String, String> byName = new LinkedHashMap<>(); // a later one replaces an earlier one
    properties.forEach(p -> byName.put(p.substring(0, p.indexOf('=')), p));
    return new BookingServer(new SpringApplicationBuilder(BookingApplication.class)
        .run(byName.values().stream().map(p -> "--" + p).toArray(String[]::new)));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, @Nullable String credentials, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody());
    if (credentials != null) {
      request.header("Authorization",
          "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isLessThan(300);
    return new ObjectMapper().readTree(response.body());
  }

  @Override
  public void close() {
    context.close();
  }
}
