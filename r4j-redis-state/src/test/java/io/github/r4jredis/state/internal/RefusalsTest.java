package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.WriteRedisConnectionException;

/** Which error replies mean Redis does not do the work, found through Redisson's wrapping. */
class RefusalsTest {

  @Test
  void everyRefusalIsFoundAlongTheCauses() {
    for (String code : Refusals.CODES) {
      RedisException reply = new RedisException(code + " something went wrong. channel: [id: 0x1] command: (EVALSHA)");
      assertThat(Refusals.code(new CompletionException(reply))).isEqualTo(code);
    }
    assertThat(Refusals.code(new RedisOutOfMemoryException("command not allowed when used memory > 'maxmemory'")))
        .as("Redisson cuts OOM off the message").isEqualTo("OOM");
  }

  /** Credentials and permissions are named as such: no wait fixes them. */
  @Test
  void credentialsAndPermissionsAreNamedAsSuch() {
    RedisException wrongPass = new RedisException("WRONGPASS invalid username-password pair or user is disabled.");
    assertThat(Refusals.describe(new CompletionException(wrongPass)))
        .startsWith("Redis refuses this client's credentials (WRONGPASS invalid username-password pair");
    RedisException noPerm = new RedisException("NOPERM this user has no permissions to run the 'evalsha' command");
    assertThat(Refusals.describe(noPerm)).startsWith("Redis refuses this client's user the command (NOPERM")
        .contains("ACL");
    RedisException inScript = new RedisException("ERR The user executing the script can't publish to the channel"
        + " mentioned in the command script: 1a2b, on @user_script:200.");
    assertThat(Refusals.code(inScript)).isEqualTo("NOPERM");
    assertThat(Refusals.describe(new RedisException("READONLY You can't write against a read only replica.")))
        .isEqualTo("Redis refuses the work: READONLY You can't write against a read only replica.");
  }

  /**
   * A call Redis did not answer in time, or that never reached it, is no script failure: it is
   * counted with the pipeline's timeouts, not logged per breaker (650 WARN lines and stack
   * traces in one {@code PairCost 20 1000 1 15} run, 20 nodes x 1,000 breakers).
   */
  @Test
  void aCallWithoutAnswerIsToldFromAFailedScript() {
    assertThat(Refusals.isNoAnswer(new CompletionException(new RedisResponseTimeoutException(
        "Redis server response timeout (312 ms) occurred after 0 of 0 retry attempts")))).isTrue();
    assertThat(Refusals.isNoAnswer(new DecoderException(new IllegalArgumentException("Self-suppression not permitted",
        new RedisResponseTimeoutException("Redis server response timeout"))))).isTrue();
    assertThat(Refusals.isNoAnswer(new WriteRedisConnectionException("Unable to write command into connection"))).isTrue();
    assertThat(Refusals.isNoAnswer(new RedisException("ERR user_script:12: attempt to index a nil value"))).isFalse();
    assertThat(Refusals.isNoAnswer(new RedisException("OOM command not allowed"))).isFalse();
  }

  @Test
  void errorsThatAreNoRefusalAreNone() {
    assertThat(Refusals.code(new RedisException("BUSYKEY Target key name already exists."))).isNull();
    assertThat(Refusals.code(new RedisException("ERR user_script:12: attempt to index a nil value"))).isNull();
    assertThat(Refusals.code(new IllegalStateException((String) null))).isNull();
  }

  @Test
  void theFirstLineIsRedisOwnWithoutRedissonsAdditions() {
    RedisException reply = new RedisException("READONLY You can't write against a read only replica.."
        + " channel: [id: 0x1, L:/127.0.0.1:1 - R:/127.0.0.1:2] command: (EVALSHA), params: [...]");
    assertThat(Refusals.firstLine(new CompletionException(reply)))
        .isEqualTo("READONLY You can't write against a read only replica.");
    assertThat(Refusals.firstLine(new RedisOutOfMemoryException("command not allowed")))
        .isEqualTo("OOM command not allowed");
    assertThat(Refusals.firstLine(new RedisException("x".repeat(300)))).hasSize(163).endsWith("...");
  }

  @Test
  void aMissingScriptIsTold() {
    assertThat(Refusals.isNoScript(new CompletionException(new RedisException("NOSCRIPT No matching script.")))).isTrue();
    assertThat(Refusals.isNoScript(new RedisException("ERR no such key"))).isFalse();
  }
}
