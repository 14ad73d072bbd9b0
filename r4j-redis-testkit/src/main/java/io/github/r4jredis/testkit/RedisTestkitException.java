package io.github.r4jredis.testkit;

import java.io.Serial;

/** A Redis server, cluster or sentinel set-up could not be started, reached or controlled. */
public class RedisTestkitException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what failed and on which server. */
  public RedisTestkitException(String message) {
    super(message);
  }

  /** Creates the exception with a message and the underlying cause. */
  public RedisTestkitException(String message, Throwable cause) {
    super(message, cause);
  }
}
