/** Redis scripts, JSON and meters behind the fallback chain; not an API. */
@NullMarked
package io.github.r4jredis.fallback.internal;

import org.jspecify.annotations.NullMarked;
