package io.github.r4jredis.state;

import io.github.r4jredis.state.internal.History;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records what every node of a fleet did (shared states accepted, probe permits granted, flushes
 * merged, transitions published) and checks the invariants of a fleet-shared breaker over it:
 * versions strictly increase per breaker on every node; published transitions chain (each starts
 * where the last ended; Resilience4j's {@link StateTransition} holds only legal pairs); no
 * HALF_OPEN episode grants more than its trial calls fleet-wide; no flush is merged twice. A
 * violation is returned with the offending history, for the test's failure message.
 */
final class HistoryChecker implements History {

  private final Map<String, List<String>> versions = new ConcurrentHashMap<>();
  private final Map<String, List<String>> permits = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> merged = new ConcurrentHashMap<>();
  private final Map<String, List<StateTransition>> transitions = new ConcurrentHashMap<>();
  /** When this history began: every permit and accepted state carries its time since, for the failure message. */
  private final long startNanos = System.nanoTime();

  private String sinceStart() {
    return String.format(java.util.Locale.ROOT, "%.3fs", (System.nanoTime() - startNanos) / 1e9);
  }

  @Override
  public void viewAccepted(String node, String name, long version, State state) {
    versions.computeIfAbsent(node + "/" + name, k -> new CopyOnWriteArrayList<>())
        .add(version + ":" + state + "@" + sinceStart());
  }

  @Override
  public void trialPermitted(String node, String name, long episode) {
    permits.computeIfAbsent(name + "@" + episode, k -> new CopyOnWriteArrayList<>()).add(node + "@" + sinceStart());
  }

  @Override
  public void flushAcknowledged(String node, String name, long sequence, String status) {
    if ("OK".equals(status)) {
      merged.computeIfAbsent(node + "/" + name + "#" + sequence, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  /** Records the transitions {@code breaker} publishes, as node {@code node}. */
  void watch(String node, RedisCircuitBreaker breaker) {
    breaker.getEventPublisher().onStateTransition(e -> transitionPublished(node, breaker.getName(), e.getStateTransition()));
  }

  /** The breakers {@code names} of every node of {@code fleet}, each watched as its node. */
  List<RedisCircuitBreaker> watchAll(Fleet fleet, int nodes, List<String> names) {
    List<RedisCircuitBreaker> all = new ArrayList<>();
    for (String name : names) {
      for (int node = 0; node < nodes; node++) {
        RedisCircuitBreaker breaker = fleet.breaker(node, name);
        watch("node-" + node, breaker);
        all.add(breaker);
      }
    }
    return all;
  }

  /** {@code node}'s breaker {@code name} published {@code transition}. */
  void transitionPublished(String node, String name, StateTransition transition) {
    transitions.computeIfAbsent(node + "/" + name, k -> new CopyOnWriteArrayList<>()).add(transition);
  }

  /** Every violation, each with the history that shows it; empty when all invariants hold. */
  List<String> violations(int trialCalls) {
    List<String> found = new ArrayList<>();
    new TreeMap<>(versions).forEach((key, accepted) -> {
      for (int i = 1; i < accepted.size(); i++) {
        if (version(accepted.get(i)) <= version(accepted.get(i - 1))) {
          found.add("versions accepted by " + key + " do not strictly increase at #" + i + ": " + accepted);
          break;
        }
      }
    });
    new TreeMap<>(transitions).forEach((key, seen) -> {
      for (int i = 1; i < seen.size(); i++) {
        if (seen.get(i).getFromState() != seen.get(i - 1).getToState()) {
          found.add("transitions published by " + key + " do not chain at #" + i + ": " + seen);
          break;
        }
      }
    });
    new TreeMap<>(permits).forEach((episode, nodes) -> {
      if (nodes.size() > trialCalls) {
        // With what each of those nodes accepted around that version: who thought it held what.
        String name = episode.substring(0, episode.lastIndexOf('@'));
        long version = Long.parseLong(episode.substring(episode.lastIndexOf('@') + 1));
        StringBuilder around = new StringBuilder();
        nodes.stream().map(n -> n.substring(0, n.indexOf('@'))).distinct().forEach(node -> around.append("; ")
            .append(node).append(" accepted ").append(versions.getOrDefault(node + "/" + name, List.of()).stream()
                .filter(v -> Math.abs(version(v) - version) <= 2).toList()));
        found.add("HALF_OPEN episode " + episode + " granted " + nodes.size() + " trial calls (at most "
            + trialCalls + "), by " + nodes + around);
      }
    });
    new TreeMap<>(merged).forEach((flush, count) -> {
      if (count.get() > 1) {
        found.add("flush " + flush + " merged " + count.get() + " times");
      }
    });
    return found;
  }

  int episodes() {
    return permits.size();
  }

  int flushesMerged() {
    return merged.size();
  }

  int transitionsPublished() {
    return transitions.values().stream().mapToInt(List::size).sum();
  }

  int versionsAccepted() {
    return versions.values().stream().mapToInt(List::size).sum();
  }

  private static long version(String entry) {
    return Long.parseLong(entry.substring(0, entry.indexOf(':')));
  }
}
