/** Health probes, the service dependency graph, cascade detection and the fleet's state overview. */
@NullMarked
package io.github.r4jredis.health;

import org.jspecify.annotations.NullMarked;
