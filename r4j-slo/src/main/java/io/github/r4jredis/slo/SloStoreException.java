package io.github.r4jredis.slo;

import java.io.Serial;

/** Redis could not be reached to read or write the fleet's figures. The call path never throws it. */
public class SloStoreException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates the exception with what could not be done and why. */
  public SloStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
