package io.github.r4jredis.state;

import io.github.r4jredis.state.internal.History;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * One node of a fleet in a JVM of its own, for {@link NodeProcessIT}: a registry, one breaker
 * called every 2 ms by two threads, and everything its history records printed as lines
 * ({@code H view|permit|flush|transition ...}). Standard input steers the dependency: {@code down}
 * (calls fail), {@code up} (they succeed), {@code slow} (they succeed after 3 s: trial calls hold
 * the episode open).
 *
 * <p>Arguments: Redis address, key prefix, node id, trial lease in ms.
 */
public final class FleetNode {

  static final String BREAKER = "payments";
  static final int TRIALS = 3;

  private static volatile String dependency = "up";

  private FleetNode() {}

  public static void main(String[] args) throws Exception {
    String address = args[0];
    String prefix = args[1];
    String node = args[2];
    Duration lease = Duration.ofMillis(Long.parseLong(args[3]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Config config = new Config();
    config.useSingleServer().setAddress(address);
    config.setLazyInitialization(true);
    RedissonClient client = Redisson.create(config);
    History history = new History() {
      @Override
      public void viewAccepted(String n, String name, long version, State state) {
        out.println("H view " + n + " " + version + " " + state);
      }

      @Override
      public void trialPermitted(String n, String name, long episode) {
        out.println("H permit " + n + " " + episode);
      }

      @Override
      public void flushAcknowledged(String n, String name, long sequence, String status) {
        out.println("H flush " + n + " " + sequence + " " + status);
      }
    };
    RedisCircuitBreakerRegistry registry = RedisCircuitBreakerRegistry.builder(client)
        .withCircuitBreakerConfig(CircuitBreakerConfig.custom()
            .slidingWindow(10, 10, SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(1))
            .permittedNumberOfCallsInHalfOpenState(TRIALS)
            .build())
        .keyPrefix(prefix)
        .nodeId(node)
        .trialLeaseDuration(lease)
        .history(history)
        .build();
    RedisCircuitBreaker breaker = (RedisCircuitBreaker) registry.circuitBreaker(BREAKER);
    breaker.getEventPublisher().onStateTransition(e -> out.println("H transition " + node + " "
        + e.getStateTransition().getFromState() + " " + e.getStateTransition().getToState()));
    while (breaker.stateVersion() == 0) {
      TimeUnit.MILLISECONDS.sleep(5);
    }
    for (int t = 0; t < 2; t++) {
      Thread caller = new Thread(() -> callForever(breaker, out), "caller-" + t);
      caller.setDaemon(true);
      caller.start();
    }
    out.println("READY " + ProcessHandle.current().pid());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("exit"); line = in.readLine()) {
      dependency = line.trim();
      out.println("DEPENDENCY " + dependency); // the test may wait for the node to have it
    }
    registry.close();
    client.shutdown();
  }

  private static void callForever(CircuitBreaker breaker, PrintStream out) {
    while (true) {
      try {
        if (breaker.tryAcquirePermission()) {
          String now = dependency;
          if (now.equals("slow")) {
            TimeUnit.SECONDS.sleep(3);
          }
          if (now.equals("down")) {
            breaker.onError(1, TimeUnit.MILLISECONDS, new IOException("down"));
          } else {
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
          }
        }
        TimeUnit.MILLISECONDS.sleep(2);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        out.println("EXCEPTION " + e);
      }
    }
  }
}
