package io.github.r4jredis.fallback;

import java.io.Serial;

/** The retry queue or the review stream could not be reached: nothing was stored. */
public class FallbackStoreException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates the exception with what could not be done and why. */
  public FallbackStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
