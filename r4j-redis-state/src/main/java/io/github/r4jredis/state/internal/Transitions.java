package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns "this node saw the breaker go from A to B" into Resilience4j transitions. A node can miss
 * intermediate states (a lost message, a reconnect): it then publishes the shortest chain of
 * legal transitions, through the state Redis recorded as previous when that fits, so consumers
 * only ever see transitions Resilience4j itself could make.
 */
public final class Transitions {

  private Transitions() {}

  /**
   * The legal transitions leading from {@code from} to {@code to}; empty when they are equal.
   *
   * @param previous the state Redis recorded before {@code to}, tried first as the step between
   */
  public static List<StateTransition> path(State from, State to, @Nullable State previous) {
    if (from == to) {
      return List.of();
    }
    if (isLegal(from, to)) {
      return List.of(StateTransition.transitionBetween("", from, to));
    }
    if (previous != null && previous != from && previous != to && isLegal(from, previous)
        && isLegal(previous, to)) {
      return List.of(StateTransition.transitionBetween("", from, previous),
          StateTransition.transitionBetween("", previous, to));
    }
    return shortest(from, to);
  }

  /** Whether Resilience4j has a transition from {@code from} to {@code to}. */
  public static boolean isLegal(State from, State to) {
    for (StateTransition transition : StateTransition.values()) {
      if (transition.getFromState() == from && transition.getToState() == to) {
        return true;
      }
    }
    return false;
  }

  private static List<StateTransition> shortest(State from, State to) {
    Map<State, State> cameFrom = new EnumMap<>(State.class);
    Deque<State> queue = new ArrayDeque<>(List.of(from));
    cameFrom.put(from, from);
    while (!queue.isEmpty()) {
      State current = queue.poll();
      if (current == to) {
        break;
      }
      for (State next : State.values()) {
        if (next != current && !cameFrom.containsKey(next) && isLegal(current, next)) {
          cameFrom.put(next, current);
          queue.add(next);
        }
      }
    }
    List<StateTransition> path = new ArrayList<>();
    for (State at = to; at != from; at = cameFrom.get(at)) {
      path.add(StateTransition.transitionBetween("", cameFrom.get(at), at));
    }
    Collections.reverse(path);
    return path;
  }
}
