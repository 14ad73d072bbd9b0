package io.github.r4jredis.samples.booking;

import io.github.r4jredis.fallback.FallbackChain;
import io.github.r4jredis.fallback.FallbackResult;
import io.github.r4jredis.fallback.Operation;
import io.github.r4jredis.fallback.PayloadCodec;
import io.github.r4jredis.fallback.RetryQueue;
import io.github.r4jredis.spring.R4jRedisFallbacks;
import java.time.Duration;
import org.springframework.stereotype.Service;

/**
 * Appointments on top of calcom, degraded rather than failed: slots from the fleet's stale
 * cache while calcom's breaker is open, bookings queued durably and made when it closes.
 */
@Service
public class AppointmentsService implements AutoCloseable {

  private final SimulatedDependencies calcom;
  private final RetryQueue bookings;
  private final FallbackChain<String> chain;

  /**
   * The chain and the queue take the "calcom" breaker themselves, so they call calcom's API
   * directly: through the annotated client each call would ask the breaker twice.
   */
  public AppointmentsService(SimulatedDependencies calcom, R4jRedisFallbacks fallbacks) {
    this.calcom = calcom;
    this.bookings = fallbacks.retryQueue("bookings", "calcom").build()
        .register("create-booking", PayloadCodec.text(), (day, ctx) -> calcom.book(day, ctx.idempotencyKey()));
    this.chain = fallbacks.<String>chain("calcom")
        .staleCache(fallbacks.staleCache("slots", PayloadCodec.text()).maxStaleness(Duration.ofHours(1)).build())
        .retryQueue(bookings)
        .build();
  }

  /** Free slots of a day: live, else the fleet's last good answer. */
  public FallbackResult<String> freeSlots(String day) {
    return chain.read("slots:" + day, () -> calcom.slots(day));
  }

  /** Books a slot: at once when calcom answers, else queued under the caller's idempotency key. */
  public FallbackResult<String> book(String day, String idempotencyKey) {
    return chain.write(Operation.of("create-booking", day).withIdempotencyKey(idempotencyKey),
        () -> calcom.book(day, idempotencyKey));
  }

  public long queuedBookings() {
    return bookings.stats().depth();
  }

  @Override
  public void close() {
    bookings.close();
  }
}
