package io.github.r4jredis.samples.booking;

import io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * calcom's API the plain Resilience4j way: an annotation naming the breaker, a fallback
 * method. The breaker is the fleet-shared one: one server's failures open it for all.
 */
@Component
public class CalcomClient {

  private final SimulatedDependencies remote;

  public CalcomClient(SimulatedDependencies remote) {
    this.remote = remote;
  }

  /** Free slots, or none when calcom fails or its breaker is open. */
  @CircuitBreaker(name = "calcom", fallbackMethod = "noSlots")
  public Slots freeSlots(String day) {
    return new Slots(day, List.of(remote.slots(day).split(",")), "calcom");
  }

  Slots noSlots(String day, Throwable cause) {
    return new Slots(day, List.of(), "unavailable: " + cause.getClass().getSimpleName());
  }

  /** A day's free slots and where they came from. */
  public record Slots(String day, List<String> slots, String source) {}
}
