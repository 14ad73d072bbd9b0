/** Internals of r4j-slo: recording, the fleet store in Redis, latency buckets. Not API. */
@NullMarked
package io.github.r4jredis.slo.internal;

import org.jspecify.annotations.NullMarked;
