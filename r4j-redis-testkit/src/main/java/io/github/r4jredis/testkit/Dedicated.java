package io.github.r4jredis.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link RedisServer} parameter: a throwaway server of this test alone, even when
 * {@code REDIS_URL} names a shared one, so the test may kill, pause and restart it. It is
 * killed when the test (or, for a class-level parameter, the class) ends.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Dedicated {

  /** Keep an AOF fsynced on every write, so that data survives {@link RedisServer#restart()}. */
  boolean appendOnly() default false;
}
