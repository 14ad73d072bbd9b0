/** A booking-style Spring Boot application on the r4j-redis starter. */
@NullMarked
package io.github.r4jredis.samples.booking;

import org.jspecify.annotations.NullMarked;
