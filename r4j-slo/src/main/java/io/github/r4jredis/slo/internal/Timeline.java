package io.github.r4jredis.slo.internal;

import io.github.r4jredis.slo.internal.FleetStore.Transition;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A breaker's life within a window, from its transitions: time in each state, outages (from
 * leaving CLOSED to returning to it) and how long they lasted.
 *
 * @param transitions transitions within the window
 * @param timeInState time in each state
 * @param recoveries lengths of the outages that ended in the window
 * @param currentOutage length of the outage going on at the window's end
 */
record Timeline(int transitions, Map<State, Duration> timeInState, List<Duration> recoveries,
    Optional<Duration> currentOutage) {

  /**
   * The transitions within a window, the last one before it (null when none), and when the
   * fleet first counted the service (0 when unknown).
   */
  record Log(@Nullable Transition prior, List<Transition> within, long since) {

    Log(@Nullable Transition prior, List<Transition> within) {
      this(prior, within, 0);
    }
  }

  static Timeline of(Log log, long from, long to) {
    Map<State, Duration> time = new EnumMap<>(State.class);
    List<Duration> recoveries = new ArrayList<>();
    State state = log.prior() == null ? State.CLOSED : log.prior().to();
    Long outageStart = log.prior() != null && !isClosed(state) ? log.prior().at() : null;
    // A service first counted within the window has no time in any state before that.
    long start = log.prior() == null && log.since() > from ? Math.min(log.since(), to) : from;
    if (!log.within().isEmpty()) {
      start = Math.min(start, Math.max(from, log.within().get(0).at()));
    }
    long at = start;
    for (Transition transition : log.within()) {
      long when = Math.max(at, Math.min(to, transition.at()));
      time.merge(state, Duration.ofMillis(when - at), Duration::plus);
      at = when;
      if (isClosed(state) && !isClosed(transition.to())) {
        outageStart = when;
      } else if (!isClosed(state) && isClosed(transition.to()) && outageStart != null) {
        recoveries.add(Duration.ofMillis(when - outageStart));
        outageStart = null;
      }
      state = transition.to();
    }
    time.merge(state, Duration.ofMillis(to - at), Duration::plus);
    time.values().removeIf(Duration::isZero);
    Optional<Duration> current = !isClosed(state)
        ? Optional.of(Duration.ofMillis(to - (outageStart != null ? outageStart : start))) : Optional.empty();
    return new Timeline(log.within().size(), time, recoveries, current);
  }

  /** States in which calls flow normally. */
  static boolean isClosed(State state) {
    return state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY;
  }

  Duration meanRecovery() {
    return recoveries.isEmpty() ? Duration.ZERO
        : recoveries.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(recoveries.size());
  }

  Duration maxRecovery() {
    return recoveries.stream().max(Duration::compareTo).orElse(Duration.ZERO);
  }
}
