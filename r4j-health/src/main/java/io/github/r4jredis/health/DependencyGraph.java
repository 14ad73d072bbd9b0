package io.github.r4jredis.health;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which services depend on which: {@code appointments -> calcom, retell} means appointments
 * cannot work while calcom or retell is down. Acyclic by construction.
 *
 * <p>Immutable and thread-safe; build it with {@link #builder()}.
 */
public final class DependencyGraph {

  private final Map<String, Set<String>> upstreams;
  private final Map<String, Set<String>> dependents;

  private DependencyGraph(Map<String, Set<String>> upstreams) {
    Map<String, Set<String>> up = new LinkedHashMap<>();
    Map<String, Set<String>> down = new LinkedHashMap<>();
    upstreams.forEach((service, deps) -> {
      up.put(service, Collections.unmodifiableSet(new LinkedHashSet<>(deps)));
      down.putIfAbsent(service, new LinkedHashSet<>());
      for (String dep : deps) {
        up.putIfAbsent(dep, Set.of());
        down.computeIfAbsent(dep, k -> new LinkedHashSet<>()).add(service);
      }
    });
    down.replaceAll((k, v) -> Collections.unmodifiableSet(v));
    this.upstreams = Collections.unmodifiableMap(up);
    this.dependents = Collections.unmodifiableMap(down);
  }

  /** A builder for a graph. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A graph from configuration: each service mapped to the services it calls, as Spring binds
   * {@code r4j.redis.health.dependencies.appointments=calcom,retell}.
   *
   * @throws IllegalArgumentException for a blank name, a self-dependency or a cycle
   */
  public static DependencyGraph of(Map<String, ? extends Collection<String>> dependsOn) {
    Objects.requireNonNull(dependsOn, "dependsOn");
    Builder builder = builder();
    dependsOn.forEach((service, upstreams) -> builder.dependsOn(service,
        Objects.requireNonNull(upstreams, "upstreams of " + service).toArray(String[]::new)));
    return builder.build();
  }

  /**
   * The shortest chain of calls from {@code service} to {@code upstream}, both included, such as
   * {@code [appointments, retell, calcom]}; empty when {@code service} does not depend on it.
   */
  public List<String> pathTo(String service, String upstream) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(upstream, "upstream");
    Map<String, String> previous = new LinkedHashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(service));
    previous.put(service, service);
    while (!queue.isEmpty()) {
      String next = queue.poll();
      if (next.equals(upstream) && !next.equals(service)) {
        List<String> path = new ArrayList<>();
        for (String at = next; !at.equals(service); at = previous.get(at)) {
          path.add(0, at);
        }
        path.add(0, service);
        return List.copyOf(path);
      }
      for (String up : upstreamsOf(next)) {
        if (previous.putIfAbsent(up, next) == null) {
          queue.add(up);
        }
      }
    }
    return List.of();
  }

  /** Every service {@code service} calls, directly or through others, nearest first. */
  public List<String> transitiveUpstreamsOf(String service) {
    Objects.requireNonNull(service, "service");
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>(upstreamsOf(service));
    while (!queue.isEmpty()) {
      String next = queue.poll();
      if (seen.add(next)) {
        queue.addAll(upstreamsOf(next));
      }
    }
    return List.copyOf(seen);
  }

  /** Every service the graph names, as an upstream or a dependent, in declaration order. */
  public Set<String> services() {
    return upstreams.keySet();
  }

  /** The services {@code service} calls directly; empty for an unknown service. */
  public Set<String> upstreamsOf(String service) {
    return upstreams.getOrDefault(Objects.requireNonNull(service, "service"), Set.of());
  }

  /**
   * Every service that depends on {@code service}, directly or through others, nearest first:
   * what a failure of {@code service} can drag down.
   */
  public List<String> transitiveDependentsOf(String service) {
    Objects.requireNonNull(service, "service");
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>(dependents.getOrDefault(service, Set.of()));
    while (!queue.isEmpty()) {
      String next = queue.poll();
      if (seen.add(next)) {
        queue.addAll(dependents.getOrDefault(next, Set.of()));
      }
    }
    return List.copyOf(seen);
  }

  @Override
  public String toString() {
    return "DependencyGraph" + upstreams;
  }

  /** Collects edges; {@link #build()} rejects cycles. Not thread-safe. */
  public static final class Builder {

    private final Map<String, Set<String>> upstreams = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Declares that {@code service} calls each of {@code upstreams}. May be called again for the
     * same service to add more.
     *
     * @throws IllegalArgumentException for a blank name or a service depending on itself
     */
    public Builder dependsOn(String service, String... upstreams) {
      requireName(service, "service");
      Set<String> deps = this.upstreams.computeIfAbsent(service, k -> new LinkedHashSet<>());
      for (String upstream : upstreams) {
        requireName(upstream, "upstream");
        if (upstream.equals(service)) {
          throw new IllegalArgumentException("service '" + service + "' cannot depend on itself");
        }
        deps.add(upstream);
      }
      return this;
    }

    /**
     * Builds the graph.
     *
     * @throws IllegalArgumentException when the edges form a cycle; the message names it, e.g.
     *     {@code a -> b -> c -> a}
     */
    public DependencyGraph build() {
      Map<String, Integer> state = new LinkedHashMap<>(); // 1 = on the current path, 2 = done
      for (String service : upstreams.keySet()) {
        List<String> cycle = findCycle(service, state, new ArrayList<>());
        if (cycle != null) {
          throw new IllegalArgumentException(
              "service dependencies must not form a cycle, found " + String.join(" -> ", cycle));
        }
      }
      return new DependencyGraph(upstreams);
    }

    private @Nullable List<String> findCycle(String service, Map<String, Integer> state, List<String> path) {
      Integer seen = state.get(service);
      if (seen != null && seen == 2) {
        return null;
      }
      path.add(service);
      if (seen != null) {
        return new ArrayList<>(path.subList(path.indexOf(service), path.size()));
      }
      state.put(service, 1);
      for (String upstream : upstreams.getOrDefault(service, Set.of())) {
        List<String> cycle = findCycle(upstream, state, path);
        if (cycle != null) {
          return cycle;
        }
      }
      state.put(service, 2);
      path.remove(path.size() - 1);
      return null;
    }

    private static void requireName(String name, String what) {
      Objects.requireNonNull(name, what);
      if (name.isBlank()) {
        throw new IllegalArgumentException(what + " name must not be blank");
      }
    }
  }
}
