package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RScript.Mode;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.config.Config;

/** The one way every module runs its scripts: by digest, loaded again when Redis lost them. */
@RedisTest
class LuaScriptIT {

  private static final LuaScript ADD = LuaScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");

  private RedissonClient client;
  private RedisRefusesIT.Admin admin;
  private String key;

  @BeforeEach
  void connect(@Dedicated RedisServer redis, @KeyPrefix String prefix) {
    Config config = new Config();
    config.useSingleServer().setAddress(redis.address());
    client = Redisson.create(config);
    admin = new RedisRefusesIT.Admin(redis);
    key = prefix + ":counter";
    admin.run("CONFIG", "RESETSTAT"); // count this test's commands only
  }

  @AfterEach
  void close() {
    admin.close();
    client.shutdown();
  }

  @Test
  void sendsTheDigestAndLoadsTheScriptOnlyWhenRedisLostIt() {
    admin.run("SCRIPT", "FLUSH");

    Long first = ADD.eval(client, Mode.READ_WRITE, ReturnType.LONG, List.of(key), "5");
    Long second = ADD.eval(client, Mode.READ_WRITE, ReturnType.LONG, List.of(key), "5");
    admin.run("SCRIPT", "FLUSH"); // a restart, a failover
    Long third = ADD.eval(client, Mode.READ_WRITE, ReturnType.LONG, List.of(key), "5");

    assertThat(List.of(first, second, third)).containsExactly(5L, 10L, 15L); // each ran once
    assertThat(calls("eval")).isZero(); // the text went only with the two loads
    assertThat(calls("script\\|load")).isEqualTo(2);
    assertThat(calls("evalsha")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void withoutWaitingAlsoLoadsTheScriptAgain() throws Exception {
    admin.run("SCRIPT", "FLUSH");

    Long first = ADD.<Long>evalAsync(client, Mode.READ_WRITE, ReturnType.LONG, List.of(key), "2")
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    Long second = ADD.<Long>evalAsync(client, Mode.READ_WRITE, ReturnType.LONG, List.of(key), "2")
        .toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(List.of(first, second)).containsExactly(2L, 4L);
    assertThat(calls("script\\|load")).isEqualTo(1);
  }

  @Test
  void aFailingScriptFailsAsItselfAndIsNotLoadedAgain() {
    LuaScript failing = LuaScript.of("return redis.error_reply('BOOM no such thing')");
    admin.run("SCRIPT", "FLUSH");

    assertThatThrownBy(() -> failing.eval(client, Mode.READ_WRITE, ReturnType.VALUE, List.of(key)))
        .isInstanceOf(RedisException.class).hasMessageContaining("BOOM");
    CompletableFuture<Object> async = failing.evalAsync(client, Mode.READ_WRITE, ReturnType.VALUE, List.of(key))
        .toCompletableFuture();
    assertThatThrownBy(() -> async.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(RedisException.class).hasMessageContaining("BOOM");

    assertThat(calls("script\\|load")).isEqualTo(1); // for the NOSCRIPT of the first call only
  }

  /** What a callback of the stage receives is Redis's error itself, not a wrapper around it. */
  @Test
  void withoutWaitingAFailureIsTheRedisErrorItself() throws Exception {
    LuaScript failing = LuaScript.of("return redis.error_reply('BOOM again')");
    CompletableFuture<Throwable> seen = new CompletableFuture<>();
    admin.run("SCRIPT", "FLUSH"); // the error comes after the script was loaded again
    failing.evalAsync(client, Mode.READ_WRITE, ReturnType.VALUE, List.of(key))
        .whenComplete((reply, error) -> seen.complete(error));
    CompletableFuture<Throwable> direct = new CompletableFuture<>();
    failing.evalAsync(client, Mode.READ_WRITE, ReturnType.VALUE, List.of(key))
        .whenComplete((reply, error) -> direct.complete(error));

    assertThat(seen.get(5, TimeUnit.SECONDS)).isInstanceOf(RedisException.class).hasMessageContaining("BOOM");
    assertThat(direct.get(5, TimeUnit.SECONDS)).isInstanceOf(RedisException.class).hasMessageContaining("BOOM");
  }

  @Test
  void hasTheDigestRedisGivesIt() {
    LuaScript script = LuaScript.fromResource(LuaScriptIT.class, "/io/github/r4jredis/state/lua/read.lua");

    assertThat(admin.run("SCRIPT", "LOAD", script.text())).isEqualTo(script.sha());
    assertThat(script.sha()).isEqualTo(LuaScript.of(script.text()).sha()).hasSize(40);
  }

  @Test
  void refusesAMissingResourceAndAnEmptyScript() {
    assertThatThrownBy(() -> LuaScript.fromResource(LuaScriptIT.class, "/io/github/r4jredis/state/lua/nothing.lua"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("/io/github/r4jredis/state/lua/nothing.lua");
    assertThatThrownBy(() -> LuaScript.of(" \n")).isInstanceOf(IllegalArgumentException.class);
  }

  private long calls(String command) {
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(String.valueOf(admin.run("INFO", "commandstats")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
