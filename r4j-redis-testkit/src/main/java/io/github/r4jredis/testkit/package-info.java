/** Real Redis servers, clusters and sentinels for tests, with kill, pause and restart controls. */
@NullMarked
package io.github.r4jredis.testkit;

import org.jspecify.annotations.NullMarked;
