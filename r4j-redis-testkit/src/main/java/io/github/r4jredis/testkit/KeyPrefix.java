package io.github.r4jredis.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@code String} parameter: a key prefix no other test uses, such as
 * {@code t-opensafterthreshold-3f9a1c}, so that tests sharing one server never see each other's
 * keys. Made of lower-case letters, digits and '-', at most 40 characters.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface KeyPrefix {}
