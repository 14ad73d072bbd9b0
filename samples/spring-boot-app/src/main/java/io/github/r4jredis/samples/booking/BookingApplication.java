package io.github.r4jredis.samples.booking;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A booking app in the seed's shape: slots and bookings from calcom, calls through retell,
 * appointments built on both. Every dependency is simulated in-process and can be switched off
 * through {@code POST /api/simulation/{service}/down}, so the breakers, the fallback chain, the
 * probes and the SLOs can be watched at work.
 */
@SpringBootApplication
public class BookingApplication {

  public static void main(String[] args) {
    SpringApplication.run(BookingApplication.class, args);
  }
}
