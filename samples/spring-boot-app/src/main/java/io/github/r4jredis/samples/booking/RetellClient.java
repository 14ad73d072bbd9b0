package io.github.r4jredis.samples.booking;

import io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker;
import io.github.resilience4j.retry.annotation.Retry;
import org.springframework.stereotype.Component;

/** retell's voice API: retried, then protected by the shared breaker, then a polite fallback. */
@Component
public class RetellClient {

  private final SimulatedDependencies remote;

  public RetellClient(SimulatedDependencies remote) {
    this.remote = remote;
  }

  @Retry(name = "retell", fallbackMethod = "callLater")
  @CircuitBreaker(name = "retell")
  public String confirmByPhone(String bookingId) {
    remote.request("retell");
    return "confirmation call placed for " + bookingId;
  }

  String callLater(String bookingId, Throwable cause) {
    return "confirmation call for " + bookingId + " postponed: " + cause.getClass().getSimpleName();
  }
}
