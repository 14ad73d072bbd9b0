package io.github.r4jredis.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.fallback.Degradation;
import io.github.r4jredis.fallback.FallbackChain;
import io.github.r4jredis.fallback.RetryPolicy;
import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.fallback.StaleCache;
import io.github.r4jredis.health.DependencyGraph;
import io.github.r4jredis.health.HealthMonitor;
import io.github.r4jredis.health.StateOverview;
import io.github.r4jredis.slo.SloMonitor;
import io.github.r4jredis.state.RedisCircuitBreakerRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Every setter of every public builder, given null, or a negative or zero duration or number,
 * fails at once with a message naming what was wrong, or accepts it as documented: never later,
 * with an unexplained NullPointerException when the object is built or used. (Here because this
 * module sees every other one.)
 */
class BuildersRejectBadInputTest {

  private static RedissonClient redisson;
  private static RedisCircuitBreakerRegistry registry;

  @BeforeAll
  static void lazyClient() {
    Config config = new Config();
    config.setLazyInitialization(true); // never connects: builders must not need Redis
    config.useSingleServer().setAddress("redis://127.0.0.1:1");
    redisson = Redisson.create(config);
    registry = RedisCircuitBreakerRegistry.builder(redisson).build();
  }

  @AfterAll
  static void close() {
    registry.close();
    redisson.shutdown(0, 1, TimeUnit.SECONDS);
  }

  private static List<Supplier<Object>> builders() {
    return List.of(
        () -> RedisCircuitBreakerRegistry.builder(redisson),
        () -> RetryQueue.builder(redisson, "q"),
        () -> StaleCache.builder("c"),
        () -> FallbackChain.builder("f"),
        () -> Degradation.builder("d"),
        RetryPolicy::builder,
        DependencyGraph::builder,
        () -> HealthMonitor.builder(redisson),
        () -> StateOverview.builder(registry, redisson),
        () -> SloMonitor.builder(redisson));
  }

  @Test
  void everySetterRefusesNullNamingTheField() throws Exception {
    List<String> silent = new ArrayList<>();
    int checked = 0;
    for (Supplier<Object> builder : builders()) {
      for (Method method : setters(builder.get().getClass())) {
        if (Arrays.stream(method.getParameterTypes()).allMatch(Class::isPrimitive)) {
          continue;
        }
        Object[] args = Arrays.stream(method.getParameterTypes()).map(BuildersRejectBadInputTest::nullOrZero).toArray();
        Throwable thrown = invoke(method, builder.get(), args);
        checked++;
        if (thrown == null) {
          silent.add(method.getDeclaringClass().getName() + "." + method.getName() + " accepted null");
        } else if (!(thrown instanceof NullPointerException || thrown instanceof IllegalArgumentException)
            || thrown.getMessage() == null || thrown.getMessage().isBlank()) {
          silent.add(method.getDeclaringClass().getName() + "." + method.getName() + " threw " + thrown);
        }
      }
    }
    assertThat(silent).as("setters that take null silently or without saying which").isEmpty();
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void everyDurationSetterRefusesANegativeOneNamingIt() throws Exception {
    List<String> silent = new ArrayList<>();
    int checked = 0;
    for (Supplier<Object> builder : builders()) {
      for (Method method : setters(builder.get().getClass())) {
        if (method.getParameterCount() != 1 || method.getParameterTypes()[0] != Duration.class) {
          continue;
        }
        checked++;
        Throwable thrown = invoke(method, builder.get(), new Object[] {Duration.ofMillis(-1)});
        if (!(thrown instanceof IllegalArgumentException) || !thrown.getMessage().contains("PT-0.001S")) {
          silent.add(method.getDeclaringClass().getSimpleName() + "." + method.getName() + ": " + thrown);
        }
      }
    }
    assertThat(silent).as("duration setters that take a negative duration or do not say its value").isEmpty();
    assertThat(checked).isGreaterThan(15); // the reflection found the setters it is meant to check
  }

  private static List<Method> setters(Class<?> type) {
    return Arrays.stream(type.getMethods())
        .filter(m -> m.getDeclaringClass() == type && !Modifier.isStatic(m.getModifiers()))
        .filter(m -> m.getReturnType() == type && m.getParameterCount() > 0)
        .toList();
  }

  private static Object nullOrZero(Class<?> type) {
    if (!type.isPrimitive()) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == double.class) {
      return 0.0;
    }
    if (type == long.class) {
      return 0L;
    }
    return 0;
  }

  private static Throwable invoke(Method method, Object target, Object[] args) throws IllegalAccessException {
    try {
      method.invoke(target, args);
      return null;
    } catch (InvocationTargetException e) {
      return e.getCause();
    }
  }
}
