/** Keys, scripts, synchronisation and local fallback behind the shared breaker; not an API. */
@NullMarked
package io.github.r4jredis.state.internal;

import org.jspecify.annotations.NullMarked;
