package io.github.r4jredis.testkit.internal;

import io.github.r4jredis.testkit.RedisServer;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The server {@code REDIS_URL} names. It is shared with whoever else uses it, so this testkit
 * never kills, pauses, restarts or flushes it.
 */
public final class ExternalRedisServer implements RedisServer {

  private final String scheme;
  private final String host;
  private final int port;
  private final @Nullable String username;
  private final @Nullable String password;

  private ExternalRedisServer(
      String scheme, String host, int port, @Nullable String username, @Nullable String password) {
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.username = username;
    this.password = password;
  }

  /**
   * Parses {@code redis://[[user]:password@]host[:port]} (or {@code rediss://}); the port
   * defaults to 6379.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static ExternalRedisServer parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          REDIS_URL + " must be a redis:// or rediss:// URL, was '" + redact(url) + "'", e);
    }
    String scheme = uri.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw new IllegalArgumentException(
          REDIS_URL + " must start with redis:// or rediss://, was '" + redact(url) + "'");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(REDIS_URL + " has no host: '" + redact(url) + "'");
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        password = decode(userInfo);
      } else {
        user = colon == 0 ? null : decode(userInfo.substring(0, colon));
        password = decode(userInfo.substring(colon + 1));
      }
    }
    return new ExternalRedisServer(
        scheme, uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), user, password);
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }

  /** The URL with any credentials replaced, fit for a message. */
  static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String address() {
    return scheme + "://" + host + ":" + port;
  }

  @Override
  public @Nullable String username() {
    return username;
  }

  @Override
  public @Nullable String password() {
    return password;
  }

  @Override
  public boolean isManaged() {
    return false;
  }

  @Override
  public boolean isAlive() {
    return true;
  }

  @Override
  public boolean isPaused() {
    return false;
  }

  @Override
  public void kill() {
    throw refuse("kill");
  }

  @Override
  public void pause() {
    throw refuse("pause");
  }

  @Override
  public void resume() {
    throw refuse("resume");
  }

  @Override
  public void restart() {
    throw refuse("restart");
  }

  @Override
  public void restartEmpty() {
    throw refuse("restartEmpty");
  }

  private UnsupportedOperationException refuse(String what) {
    return new UnsupportedOperationException(
        "Cannot " + what + " the shared server " + this + " named by " + REDIS_URL
            + "; start a dedicated one with RedisServer.start() or @Dedicated");
  }

  @Override
  public String logTail(int lines) {
    return "(external server " + this + ": no log available)";
  }

  @Override
  public void close() {
    // Not ours to stop.
  }

  @Override
  public String toString() {
    return address();
  }
}
