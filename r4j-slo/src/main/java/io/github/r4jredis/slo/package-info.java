/** Service level objectives, error budgets and burn-rate alerts, evaluated fleet-wide. */
@NullMarked
package io.github.r4jredis.slo;

import org.jspecify.annotations.NullMarked;
