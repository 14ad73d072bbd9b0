/** Process management behind the testkit's public types; not an API. */
@NullMarked
package io.github.r4jredis.testkit.internal;

import org.jspecify.annotations.NullMarked;
