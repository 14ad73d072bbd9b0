package io.github.r4jredis.state;

import java.io.Serial;

/**
 * An administrative call (listing or resetting shared breakers) could not reach Redis. The call
 * path of a breaker never throws it: a breaker falls back to local decisions instead.
 */
public class RedisStateException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates the exception; the message says what could not be done. */
  public RedisStateException(String message) {
    super(message);
  }

  /** Creates the exception with the failure underneath. */
  public RedisStateException(String message, Throwable cause) {
    super(message, cause);
  }
}
