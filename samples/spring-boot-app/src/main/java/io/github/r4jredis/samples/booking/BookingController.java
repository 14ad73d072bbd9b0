package io.github.r4jredis.samples.booking;

import io.github.r4jredis.fallback.FallbackResult;
import io.github.r4jredis.fallback.Tier;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The app's own API, and the switch of the simulated outages. */
@RestController
@RequestMapping("/api")
public class BookingController {

  private final CalcomClient calcom;
  private final RetellClient retell;
  private final AppointmentsService appointments;
  private final SimulatedDependencies dependencies;

  public BookingController(CalcomClient calcom, RetellClient retell, AppointmentsService appointments,
      SimulatedDependencies dependencies) {
    this.calcom = calcom;
    this.retell = retell;
    this.appointments = appointments;
    this.dependencies = dependencies;
  }

  /** Free slots straight from calcom through the annotated client (none while it is unavailable). */
  @GetMapping("/slots")
  public CalcomClient.Slots slots(@RequestParam LocalDate day) {
    return calcom.freeSlots(day.toString());
  }

  /** Free slots for the appointments page: live, else from the fleet's stale cache. */
  @GetMapping("/appointments/slots")
  public Map<String, Object> appointmentSlots(@RequestParam LocalDate day) {
    return describe(appointments.freeSlots(day.toString()));
  }

  /** Books a slot: 201 when made, 202 when queued to be made, 503 when nothing could keep it. */
  @PostMapping("/bookings")
  public ResponseEntity<Map<String, Object>> book(@RequestParam LocalDate day,
      @RequestHeader("Idempotency-Key") String idempotencyKey) {
    FallbackResult<String> result = appointments.book(day.toString(), idempotencyKey);
    Map<String, Object> body = describe(result);
    return switch (result.tier()) {
      case PRIMARY -> {
        body.put("confirmation", retell.confirmByPhone(idempotencyKey));
        yield ResponseEntity.status(HttpStatus.CREATED).body(body);
      }
      case QUEUED, MANUAL_REVIEW -> ResponseEntity.status(HttpStatus.ACCEPTED).body(body);
      default -> ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
    };
  }

  /** Simulates an outage of calcom or retell (operators only), or ends it. */
  @PostMapping("/simulation/{service}/{state:up|down}")
  public Map<String, Object> simulate(@PathVariable String service, @PathVariable String state) {
    dependencies.setDown(service, "down".equals(state));
    return Map.of("service", service, "down", dependencies.isDown(service));
  }

  private static Map<String, Object> describe(FallbackResult<String> result) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tier", result.tier().name());
    result.value().ifPresent(v -> body.put("value", v));
    if (result.isDegraded()) {
      if (result.tier() == Tier.STALE_CACHE) {
        body.put("staleness", result.staleness().toString());
        body.put("fromFleet", result.fromFleet());
      }
      body.put("message", result.message());
      if (!result.notice().isEmpty()) {
        body.put("notice", result.notice());
      }
    }
    return body;
  }
}
