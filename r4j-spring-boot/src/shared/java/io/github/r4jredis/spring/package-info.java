/** Spring Boot auto-configuration: the fleet-shared registry replaces Resilience4j's. */
@NullMarked
package io.github.r4jredis.spring;

import org.jspecify.annotations.NullMarked;
