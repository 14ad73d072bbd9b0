package io.github.r4jredis.samples.booking;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The remote services this app depends on, simulated: each is up or down, and a down one
 * fails every request as a real outage would. Bookings are kept by idempotency key.
 */
@Component
public class SimulatedDependencies {

  /** The services that can be switched. */
  public static final Set<String> SERVICES = Set.of("calcom", "retell");

  private final Map<String, Boolean> down = new ConcurrentHashMap<>();
  private final Set<String> bookings = ConcurrentHashMap.newKeySet();

  /** Fails like a dead service would. */
  public void request(String service) {
    if (down.getOrDefault(service, false)) {
      throw new DependencyDownException(service + " is not answering (simulated outage)");
    }
  }

  public void setDown(String service, boolean isDown) {
    if (!SERVICES.contains(service)) {
      throw new IllegalArgumentException("unknown service '" + service + "', known: " + SERVICES);
    }
    down.put(service, isDown);
  }

  public boolean isDown(String service) {
    return down.getOrDefault(service, false);
  }

  /** calcom's free slots of a day. */
  public String slots(String day) {
    request("calcom");
    return day + "T09:00," + day + "T11:30," + day + "T15:00";
  }

  /** Records a booking at calcom; a second one with the same key is a no-op, as the real API promises. */
  public String book(String day, String idempotencyKey) {
    request("calcom");
    return (bookings.add(idempotencyKey) ? "booked " : "already booked ") + day + " (" + idempotencyKey + ")";
  }

  public int bookings() {
    return bookings.size();
  }

  /** What a failing remote call throws. */
  public static final class DependencyDownException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DependencyDownException(String message) {
      super(message);
    }
  }
}
