package io.github.r4jredis.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class whose test methods, constructors and lifecycle methods take Redis
 * parameters; shorthand for {@code @ExtendWith(RedisExtension.class)}.
 *
 * <pre>{@code
 * @RedisTest
 * class OrdersIT {
 *   @Test
 *   void sharesState(RedisServer redis, @KeyPrefix String prefix) { ... }
 *
 *   @Test
 *   void survivesRedisDeath(@Dedicated RedisServer redis) { redis.kill(); ... }
 * }
 * }</pre>
 *
 * @see RedisExtension
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(RedisExtension.class)
public @interface RedisTest {}
