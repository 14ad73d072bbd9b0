/** Graceful degradation: primary, stale cache, durable retry queue, manual review, failure. */
@NullMarked
package io.github.r4jredis.fallback;

import org.jspecify.annotations.NullMarked;
