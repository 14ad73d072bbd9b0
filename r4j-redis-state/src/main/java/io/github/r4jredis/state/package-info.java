/** The fleet-shared Resilience4j circuit breaker and its registry. */
@NullMarked
package io.github.r4jredis.state;

import org.jspecify.annotations.NullMarked;
