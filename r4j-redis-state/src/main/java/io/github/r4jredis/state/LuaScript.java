package io.github.r4jredis.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.redisson.api.RScript;
import org.redisson.api.RScript.Mode;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.RedisNoScriptException;
import org.redisson.client.codec.StringCodec;

/**
 * A Lua script for Redis, addressed by its SHA-1. A call sends {@code EVALSHA} and the
 * 40-character digest, not the script's text; when Redis answers {@code NOSCRIPT} (it lost its
 * script cache: a restart, a failover, {@code SCRIPT FLUSH}) the script is loaded
 * ({@code SCRIPT LOAD}, on every master of a Cluster) and the call is sent once more. Keys and
 * arguments go as plain strings (Redisson's {@code StringCodec}), so that {@code redis-cli} reads
 * what a script stores.
 *
 * <p>Every module of r4j-redis runs its scripts through this type; it is public so that they need
 * nothing of the core's internals, and so that an extension can do the same. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * private static final LuaScript PUT = LuaScript.fromResource(MyStore.class, "/com/example/lua/put.lua");
 * Long stored = PUT.eval(redisson, Mode.READ_WRITE, ReturnType.LONG, List.of(key), value, ttlMillis);
 * }</pre>
 */
public final class LuaScript {

  private final String text;
  private final String sha;

  private LuaScript(String text) {
    this.text = text;
    this.sha = sha1(text);
  }

  /** The script {@code text}. */
  public static LuaScript of(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("a script cannot be empty");
    }
    return new LuaScript(text);
  }

  /**
   * The script in the class-path resource {@code path} (absolute, as {@code /com/example/put.lua}),
   * looked up through {@code anchor}'s class loader.
   *
   * @throws IllegalStateException when there is no such resource (a packaging error: fail at start)
   */
  public static LuaScript fromResource(Class<?> anchor, String path) {
    return of(resource(anchor, path));
  }

  /**
   * The text of the class-path resource {@code path}, for a script assembled from several files.
   *
   * @throws IllegalStateException when there is no such resource
   */
  public static String resource(Class<?> anchor, String path) {
    try (InputStream in = anchor.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + path + " (next to " + anchor.getName() + ")");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script resource " + path, e);
    }
  }

  /** The script's text, as {@code SCRIPT LOAD} takes it. */
  public String text() {
    return text;
  }

  /** The SHA-1 of the text, in lower-case hex, as {@code EVALSHA} takes it. */
  public String sha() {
    return sha;
  }

  /**
   * Runs the script and waits for its reply, within Redisson's timeouts. On a Cluster every key
   * must be in one slot; the first one routes the call.
   *
   * @param <R> the reply's Java type for {@code type} ({@code Long}, {@code String}, {@code List}...)
   * @throws RedisException when Redis does not answer or the script fails
   */
  public <R> R eval(RedissonClient redisson, Mode mode, ReturnType type, List<Object> keys, Object... args) {
    RScript script = redisson.getScript(StringCodec.INSTANCE);
    try {
      return evalSha(script, mode, type, keys, args);
    } catch (RedisException e) {
      if (!isNoScript(e)) {
        throw e;
      }
      script.scriptLoad(text);
      return evalSha(script, mode, type, keys, args);
    }
  }

  /**
   * Runs the script without waiting: as {@link #eval}, the stage completing with the reply, or
   * exceptionally with the {@link RedisException}. Completes on a Redisson thread: keep what
   * follows short.
   */
  public <R> CompletionStage<R> evalAsync(RedissonClient redisson, Mode mode, ReturnType type, List<Object> keys,
      Object... args) {
    RScript script = redisson.getScript(StringCodec.INSTANCE);
    // Completed by hand: a stage built with thenCompose would fail with a CompletionException
    // around the RedisException, which is not what a caller checks for.
    CompletableFuture<R> result = new CompletableFuture<>();
    this.<R>evalShaAsync(script, mode, type, keys, args).whenComplete((reply, error) -> {
      Throwable cause = unwrap(error);
      if (cause == null) {
        result.complete(reply);
      } else if (!isNoScript(cause)) {
        result.completeExceptionally(cause);
      } else {
        script.scriptLoadAsync(text).toCompletableFuture()
            .thenCompose(loaded -> this.<R>evalShaAsync(script, mode, type, keys, args))
            .whenComplete((again, failure) -> {
              if (failure == null) {
                result.complete(again);
              } else {
                result.completeExceptionally(unwrap(failure));
              }
            });
      }
    });
    return result;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private <R> R evalSha(RScript script, Mode mode, ReturnType type, List<Object> keys, Object[] args) {
    return keys.isEmpty() ? script.evalSha(mode, sha, type, keys, args)
        : script.evalSha(keys.get(0).toString(), mode, sha, type, keys, args);
  }

  private <R> CompletableFuture<R> evalShaAsync(RScript script, Mode mode, ReturnType type, List<Object> keys,
      Object[] args) {
    return (keys.isEmpty() ? script.<R>evalShaAsync(mode, sha, type, keys, args)
        : script.<R>evalShaAsync(keys.get(0).toString(), mode, sha, type, keys, args)).toCompletableFuture();
  }

  private static boolean isNoScript(Throwable error) {
    return error instanceof RedisNoScriptException
        || error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT");
  }

  private static String sha1(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "LuaScript[" + sha + "]";
  }
}
