/** The runnable fleet demo: many nodes, one flaky dependency, one shared breaker. */
@NullMarked
package io.github.r4jredis.samples.fleet;

import org.jspecify.annotations.NullMarked;
