package io.github.r4jredis.benchmarks;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The design r4j-redis is measured against: a shared breaker that asks Redis before every call
 * (one script round trip) and records every outcome (one more script, not waited for), as
 * gobreaker v2, pybreaker and Stoplight do in one form or another. Its window is tumbling (a
 * count or a number of seconds, then it starts over). After the wait in OPEN it lets every
 * caller through. Written for these benchmarks only.
 *
 * <p>Thread-safe.
 */
public final class NaiveRedisBreaker {

  private static final String ACQUIRE = resource("naive-acquire.lua");
  private static final String RECORD = resource("naive-record.lua");

  private final RScript script;
  private final List<Object> key;
  private final Object[] recordSuccess;
  private final Object[] recordFailure;
  private final String acquireSha;
  private final String recordSha;

  /** A naive breaker named {@code name} with the thresholds and wait of {@code config}. */
  public NaiveRedisBreaker(RedissonClient redisson, String name, CircuitBreakerConfig config) {
    this.script = redisson.getScript(StringCodec.INSTANCE);
    this.key = List.of("naive:{" + name + "}");
    String threshold = Float.toString(config.getFailureRateThreshold());
    String minimum = Integer.toString(config.getMinimumNumberOfCalls());
    String wait = Long.toString(config.getWaitIntervalFunctionInOpenState().apply(1));
    boolean timeBased = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.TIME_BASED;
    String seconds = timeBased ? Integer.toString(config.getSlidingWindowSize()) : "0";
    String calls = Integer.toString(config.getSlidingWindowSize());
    this.recordSuccess = new Object[] {threshold, minimum, wait, seconds, "0", calls};
    this.recordFailure = new Object[] {threshold, minimum, wait, seconds, "1", calls};
    this.acquireSha = script.scriptLoad(ACQUIRE);
    this.recordSha = script.scriptLoad(RECORD);
  }

  /** One round trip: may this call go ahead? */
  public boolean tryAcquirePermission() {
    Long permitted = script.evalSha(RScript.Mode.READ_WRITE, acquireSha, RScript.ReturnType.LONG, key);
    return permitted != null && permitted == 1L;
  }

  /** Records an outcome without waiting for the reply (a kindness to this design). */
  public void record(boolean failure) {
    script.evalShaAsync(RScript.Mode.READ_WRITE, recordSha, RScript.ReturnType.STRING, key,
        failure ? recordFailure : recordSuccess);
  }

  /** Forgets the shared state. */
  public void reset() {
    script.eval(RScript.Mode.READ_WRITE, "return redis.call('DEL', KEYS[1])", RScript.ReturnType.LONG, key);
  }

  private static String resource(String file) {
    try (InputStream in = NaiveRedisBreaker.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("missing " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
