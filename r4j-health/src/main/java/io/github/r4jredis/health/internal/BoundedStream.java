package io.github.r4jredis.health.internal;

import io.github.r4jredis.state.LuaScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;

/** Appends to a Redis stream bounded by count and age (the {@code stream-add.lua} script). */
public final class BoundedStream {

  private static final LuaScript ADD =
      LuaScript.fromResource(BoundedStream.class, "/io/github/r4jredis/health/lua/stream-add.lua");

  private BoundedStream() {}

  /**
   * Appends {@code fields} to {@code key}, keeping about {@code maxEntries} entries, none older
   * than {@code oldestMillis}, and the key for {@code ttl} after this write.
   *
   * @return the new entry id
   * @throws org.redisson.client.RedisException when Redis does not answer
   */
  public static String add(RedissonClient redisson, String key, int maxEntries, long oldestMillis, Duration ttl,
      Map<String, String> fields) {
    List<Object> args = new ArrayList<>(List.of(Integer.toString(maxEntries), Math.max(0, oldestMillis) + "-0",
        Long.toString(ttl.toMillis())));
    fields.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    Object id = ADD.eval(redisson, RScript.Mode.READ_WRITE, RScript.ReturnType.STRING, List.of(key), args.toArray());
    return String.valueOf(id);
  }
}
