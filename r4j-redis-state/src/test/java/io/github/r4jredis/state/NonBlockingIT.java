package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.ReactorBlockHoundIntegration;
import reactor.core.scheduler.Schedulers;

/**
 * The call path never blocks: two nodes' breakers called from Reactor's non-blocking parallel
 * threads with BlockHound watching, through a whole outage (CLOSED, the fleet OPEN, trial leases
 * claimed, HALF_OPEN, CLOSED again). Any blocking call on those threads (a wait for Redis, a
 * sleep, a socket read) fails the call that made it. Runs in a JVM of its own (see the pom).
 */
@RedisTest
class NonBlockingIT {

  @BeforeAll
  static void installBlockHound() {
    assumeTrue(ManagementFactory.getRuntimeMXBean().getInputArguments()
        .contains("-XX:+AllowRedefinitionToAddDeleteMethods"), "BlockHound needs its own JVM (mvn verify runs it so)");
    // Reactor's integration alone: its non-blocking threads are the callers here. (Netty's would
    // also mark every FastThreadLocalThread, the worker threads of Redisson's and the test kit's
    // executors among them, which wait on their queues by design.) A caller may wait for a
    // breaker's lock while another thread updates its in-memory state, as it may for the locks of
    // Resilience4j's own sliding windows: those hand-offs are allowed; any other wait (a future,
    // a sleep, a socket) is not.
    BlockHound.builder()
        .with(new ReactorBlockHoundIntegration())
        .allowBlockingCallsInside("java.util.concurrent.locks.ReentrantLock", "lock")
        .install();
  }

  @Test
  void blockHoundIsWatchingTheParallelThreads() {
    Throwable error = Mono.fromCallable(() -> {
      Thread.sleep(1);
      return 1;
    }).subscribeOn(Schedulers.parallel()).map(i -> (Throwable) null)
        .onErrorResume(e -> Mono.just(e)).block(Duration.ofSeconds(5));
    assertThat(error).isInstanceOf(BlockingOperationError.class);
  }

  @Test
  void noBreakerCallBlocksANonBlockingThreadThroughAnOutage(RedisServer redis, @KeyPrefix String prefix) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMillis(500))
        .permittedNumberOfCallsInHalfOpenState(2)
        .build();
    try (Fleet fleet = new Fleet(redis, 2, prefix, config)) {
      List<RedisCircuitBreaker> breakers = fleet.breakers("payments");
      FleetIT.awaitSeeded(breakers);
      AtomicBoolean down = new AtomicBoolean();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong calls = new AtomicLong();
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      Flux.interval(Duration.ofMillis(1), Schedulers.parallel())
          .takeWhile(tick -> running.get())
          .flatMap(tick -> Flux.fromIterable(breakers)
              .flatMap(breaker -> Mono.fromRunnable(() -> call(breaker, down.get(), calls))
                  .subscribeOn(Schedulers.parallel())
                  .onErrorResume(e -> {
                    errors.add(e);
                    return Mono.empty();
                  })))
          .subscribe();
      try {
        down.set(true);
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream().allMatch(b -> b.sharedState() == State.OPEN));
        down.set(false);
        await().atMost(Fleet.AWAIT).until(() -> breakers.stream()
            .allMatch(b -> b.sharedState() == State.CLOSED && b.getState() == State.CLOSED));
      } finally {
        running.set(false);
      }
      assertThat(errors).isEmpty();
      System.out.printf("FIGURE %d breaker calls on Reactor's parallel threads under BlockHound, through CLOSED,"
          + " OPEN, HALF_OPEN and CLOSED on 2 nodes: 0 blocking calls%n", calls.get());
    }
  }

  private static void call(RedisCircuitBreaker breaker, boolean down, AtomicLong calls) {
    calls.incrementAndGet();
    if (!breaker.tryAcquirePermission()) {
      return;
    }
    if (down) {
      breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
    } else {
      breaker.onSuccess(1, TimeUnit.MILLISECONDS);
    }
  }
}
