package io.github.r4jredis.health;

import java.io.Serial;

/**
 * A check's verdict that the service answered, but not as expected ({@code HTTP 503, expected
 * 2xx}). Its message alone becomes the result's error; other exceptions are reported with their
 * type. Throw it from custom checks for the same effect.
 */
public class HealthCheckException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates the exception; the message says what was wrong. */
  public HealthCheckException(String message) {
    super(message, null, false, false);
  }

  /** Creates the exception for a check that failed with {@code cause}; the message says what was wrong. */
  public HealthCheckException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
