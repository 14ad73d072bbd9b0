/** Internals of r4j-health: the Redis-coordinated probe scheduler. Not API. */
@NullMarked
package io.github.r4jredis.health.internal;

import org.jspecify.annotations.NullMarked;
