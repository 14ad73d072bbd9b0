/** The {@code r4j} operator command line. */
@NullMarked
package io.github.r4jredis.cli;

import org.jspecify.annotations.NullMarked;
