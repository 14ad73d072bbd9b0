package io.github.r4jredis.benchmarks;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One simulated outage against a fleet: nodes call the dependency at a steady total rate (2
 * driver threads, calls spread evenly over nodes), the dependency fails and recovers, and the
 * run records when each node started rejecting, which calls reached the failing dependency, and
 * when each node called successfully again.
 */
final class Scenario {

  /**
   * @param rate calls per second, all nodes together
   * @param runMillis how long to run at most
   * @param untilStopped end 200 ms after every node rejects (convergence runs), not at runMillis
   * @param episodeGapMillis failing calls further apart than this belong to different HALF_OPEN episodes
   * @param slowNanos duration reported for a slow call
   * @param ideal the config of the ideal breaker (null: none): one Resilience4j breaker fed every
   *     call that reached the dependency, in the order they were made, as if the whole fleet were
   *     one process; when it opens is the earliest any design could know the threshold was crossed
   */
  record Settings(double rate, long runMillis, boolean untilStopped, long episodeGapMillis, long slowNanos,
      @Nullable CircuitBreakerConfig ideal) {

    Settings(double rate, long runMillis, boolean untilStopped, long episodeGapMillis, long slowNanos) {
      this(rate, runMillis, untilStopped, episodeGapMillis, slowNanos, null);
    }
  }

  /**
   * What one run measured; times in milliseconds from the start of the failure.
   *
   * @param wastedCalls calls that reached the failing dependency before every node rejected
   * @param stoppedMillis when the last node started rejecting, -1 if some node never did
   * @param convergenceMillis from the first node rejecting to the last, -1 if some never did
   * @param trialCalls calls that reached the failing dependency after that, per HALF_OPEN episode
   * @param recoveryMillis from the recovery of the dependency until every node called it successfully, -1 if not
   * @param calls calls attempted in the run
   * @param elapsedMillis how long the run took
   * @param fanoutMillis raw pub/sub fan-out to the fleet's clients just before the failure, under
   *     the same load (NaN for designs without Redis clients or runs without failure)
   * @param path where the time from the failure to the last node rejecting went (null without
   *     an ideal breaker, or when it or some node never opened)
   */
  record Result(Fleets.Design design, int nodes, double rate, long wastedCalls, double stoppedMillis,
      double convergenceMillis, List<Integer> trialCalls, double recoveryMillis, long calls,
      double elapsedMillis, double fanoutMillis, @Nullable Path path) {

    /** Calls per second the fleet actually made. */
    double achievedRate() {
      return calls / (elapsedMillis / 1000);
    }

    /**
     * The floor of any design that tells the fleet by a push: the calls the ideal breaker needed,
     * plus what the fleet sends (at the rate it achieved) while one message reaches its last
     * client under the same load.
     */
    double floor() {
      return path == null || Double.isNaN(fanoutMillis) ? Double.NaN
          : path.idealCalls() + achievedRate() * fanoutMillis / 1000;
    }
  }

  /**
   * The path from the failure to the last node rejecting, in three legs, each with the calls that
   * reached the failing dependency during it: until the ideal breaker opened (the threshold
   * crossed, the calls any breaker needs), from then until the first node rejected (the news
   * reaching Redis and Redis deciding), and from then until the last node did (the news spreading).
   */
  record Path(double idealMillis, long idealCalls, double decidedMillis, long decidedCalls,
      double spreadMillis, long spreadCalls) {}

  private static final Exception FAILED = new Exception("dependency failed");

  private Scenario() {}

  static Result run(Fleets fleet, Dependency dependency, Settings settings) {
    int nodes = fleet.size();
    long start = System.nanoTime();
    long failAt = dependency.failAtNanos();
    long failUntil = dependency.failUntilNanos();
    AtomicLongArray firstOpen = filled(nodes);
    AtomicLongArray firstSuccessAfter = filled(nodes);
    AtomicLong idealOpen = new AtomicLong(Long.MAX_VALUE);
    AtomicLong idealFailures = new AtomicLong();
    AtomicLong idealNeeded = new AtomicLong();
    CircuitBreaker ideal = settings.ideal() == null ? null : CircuitBreaker.of("ideal", settings.ideal());
    if (ideal != null) {
      ideal.getEventPublisher().onStateTransition(e -> {
        if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN
            && idealOpen.compareAndSet(Long.MAX_VALUE, System.nanoTime() - start)) {
          idealNeeded.set(idealFailures.get());
        }
      });
    }
    fleet.listen((node, nanos) -> {
      long at = nanos - start;
      if (at >= failAt) {
        firstOpen.compareAndSet(node, Long.MAX_VALUE, at);
      }
    });
    List<long[]> failingCalls = new ArrayList<>();
    AtomicLong calls = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    int drivers = Math.min(2, nodes);
    List<Thread> threads = new ArrayList<>();
    double perNodePerNano = settings.rate() / nodes / 1e9;
    for (int d = 0; d < drivers; d++) {
      int driver = d;
      long[] failing = new long[4096];
      int[] count = {0};
      Thread thread = new Thread(() -> {
        // Each node's calls in a phase of its own, as a fleet behind a load balancer makes them:
        // with every credit starting at 0 all nodes called in the same pass, the fleet's calls came
        // in bursts of one call per node, and a burst that met the failure reached it whole
        // (the floor assumes calls spread over time).
        double[] credit = new double[nodes];
        for (int node = 0; node < nodes; node++) {
          credit[node] = (double) node / nodes;
        }
        long last = System.nanoTime();
        long[] buffer = failing;
        while (!stop.get()) {
          long now = System.nanoTime();
          double earned = (now - last) * perNodePerNano;
          last = now;
          long at = now - start;
          for (int node = driver; node < nodes; node += drivers) {
            credit[node] += earned;
            while (credit[node] >= 1) {
              credit[node] -= 1;
              calls.incrementAndGet();
              if (!fleet.tryAcquire(node)) {
                continue;
              }
              Dependency.Outcome outcome = dependency.call(at);
              if (ideal != null && ideal.tryAcquirePermission()) {
                if (dependency.isFailing(at)) {
                  idealFailures.incrementAndGet(); // every call of the outage it took, as wastedCalls counts them
                }
                if (outcome == Dependency.Outcome.FAILURE) {
                  ideal.onError(1_000_000, TimeUnit.NANOSECONDS, FAILED);
                } else {
                  ideal.onSuccess(outcome == Dependency.Outcome.SLOW_SUCCESS ? settings.slowNanos() : 1_000_000,
                      TimeUnit.NANOSECONDS);
                }
              }
              if (dependency.isFailing(at)) {
                if (count[0] == buffer.length) {
                  buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                buffer[count[0]++] = at;
              } else if (at >= failUntil) {
                firstSuccessAfter.compareAndSet(node, Long.MAX_VALUE, at);
              }
              fleet.record(node, outcome == Dependency.Outcome.FAILURE,
                  outcome == Dependency.Outcome.SLOW_SUCCESS ? settings.slowNanos() : 1_000_000);
            }
          }
          LockSupport.parkNanos(100_000);
        }
        synchronized (failingCalls) {
          failingCalls.add(Arrays.copyOf(buffer, count[0]));
        }
      }, "sim-driver-" + d);
      threads.add(thread);
      thread.start();
    }
    long limit = TimeUnit.MILLISECONDS.toNanos(settings.runMillis());
    double fanout = Double.NaN;
    boolean probed = failAt == Long.MAX_VALUE;
    while (true) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      long at = System.nanoTime() - start;
      if (!probed && at >= failAt - TimeUnit.MILLISECONDS.toNanos(300)) {
        probed = true;
        fanout = fleet.fanoutProbe();
      }
      long stopped = max(firstOpen);
      if (at > limit || (settings.untilStopped() && stopped != Long.MAX_VALUE
          && at > stopped + TimeUnit.MILLISECONDS.toNanos(200))) {
        break;
      }
    }
    stop.set(true);
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long stopped = max(firstOpen);
    long first = min(firstOpen);
    long[] failing = failingCalls.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    long wasted = stopped == Long.MAX_VALUE ? failing.length
        : Arrays.stream(failing).filter(t -> t <= stopped).count();
    List<Integer> trials = new ArrayList<>();
    long gap = TimeUnit.MILLISECONDS.toNanos(settings.episodeGapMillis());
    long previous = Long.MIN_VALUE;
    for (long t : failing) {
      if (stopped == Long.MAX_VALUE || t <= stopped) {
        continue;
      }
      if (trials.isEmpty() || t - previous > gap) {
        trials.add(0);
      }
      trials.set(trials.size() - 1, trials.get(trials.size() - 1) + 1);
      previous = t;
    }
    long recovered = max(firstSuccessAfter);
    double elapsed = millis(System.nanoTime() - start);
    Path path = null;
    long opened = idealOpen.get();
    if (opened != Long.MAX_VALUE && stopped != Long.MAX_VALUE) {
      // The calls of a driver's pass share its time stamp: the ideal breaker's calls are counted
      // as it recorded them, the legs after it by time.
      long decided = Math.max(first, opened);
      long needed = idealNeeded.get();
      path = new Path(millis(opened - failAt), needed, millis(decided - opened),
          Math.max(0, count(failing, Long.MIN_VALUE, decided) - needed), millis(stopped - decided),
          count(failing, decided, stopped));
    }
    return new Result(fleet.design(), nodes, settings.rate(), wasted,
        stopped == Long.MAX_VALUE ? -1 : millis(stopped - failAt),
        stopped == Long.MAX_VALUE ? -1 : millis(stopped - first), trials,
        recovered == Long.MAX_VALUE ? -1 : millis(recovered - failUntil), calls.get(), elapsed, fanout, path);
  }

  /** Failing calls made in (from, to]. */
  private static long count(long[] failing, long from, long to) {
    return Arrays.stream(failing).filter(t -> t > from && t <= to).count();
  }

  private static AtomicLongArray filled(int n) {
    AtomicLongArray array = new AtomicLongArray(n);
    for (int i = 0; i < n; i++) {
      array.set(i, Long.MAX_VALUE);
    }
    return array;
  }

  private static long max(AtomicLongArray array) {
    long max = Long.MIN_VALUE;
    for (int i = 0; i < array.length(); i++) {
      max = Math.max(max, array.get(i));
    }
    return max;
  }

  private static long min(AtomicLongArray array) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < array.length(); i++) {
      min = Math.min(min, array.get(i));
    }
    return min;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
