/** JMH benchmarks and the fleet simulator, side by side with plain Resilience4j. */
@NullMarked
package io.github.r4jredis.benchmarks;

import org.jspecify.annotations.NullMarked;
