package io.github.r4jredis.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a series of {@link StateSnapshot}s says about the fleet's breakers: which flap, which are
 * chronically open, at which hours of day they open again and again, and how long they stay
 * open. Computed by {@link #of}, from any snapshots.
 *
 * <ul>
 *   <li><b>Transitions</b> are counted from versions, so the ones between two snapshots count too.
 *   <li><b>Flapping</b>: at least {@value #FLAPPING_TRANSITIONS} transitions within one hour.
 *   <li><b>Chronically open</b>: OPEN or FORCED_OPEN in at least half of at least
 *       {@value #MIN_SNAPSHOTS} snapshots.
 *   <li><b>Recurring hours</b>: hours of day (in the given zone) in which a breaker was seen open
 *       on at least two different days.
 *   <li><b>Mean time in OPEN</b>: per OPEN episode, from its start to the next transition when
 *       the snapshot after shows exactly the next version; otherwise (several transitions between
 *       two snapshots) its planned wait, from its start to its {@code openUntil}.
 * </ul>
 *
 * @param snapshots snapshots analysed
 * @param span time from the first to the last
 * @param transitions transitions per breaker over the span
 * @param flapping breakers that flapped, by name
 * @param chronicallyOpen breakers open most of the time, by name
 * @param recurringOpenHours hours of day at which each breaker was open on several days
 * @param meanTimeInOpen mean time an OPEN episode lasted, per breaker that had one
 */
public record StatePatterns(int snapshots, Duration span, Map<String, Long> transitions, List<String> flapping,
    List<String> chronicallyOpen, Map<String, List<Integer>> recurringOpenHours, Map<String, Duration> meanTimeInOpen) {

  /** Transitions within an hour that make a breaker flapping. */
  public static final int FLAPPING_TRANSITIONS = 6;

  /** Snapshots a breaker must appear in before it can be called chronically open. */
  public static final int MIN_SNAPSHOTS = 3;

  /** Copies the collections. */
  public StatePatterns {
    transitions = Map.copyOf(transitions);
    flapping = List.copyOf(flapping);
    chronicallyOpen = List.copyOf(chronicallyOpen);
    recurringOpenHours = Map.copyOf(recurringOpenHours);
    meanTimeInOpen = Map.copyOf(meanTimeInOpen);
  }

  /** The patterns of {@code snapshots} (in any order), reading hours of day in {@code zone}. */
  public static StatePatterns of(List<StateSnapshot> snapshots, ZoneId zone) {
    List<StateSnapshot> ordered = new ArrayList<>(snapshots);
    ordered.sort(Comparator.comparing(StateSnapshot::at));
    Set<String> names = new TreeSet<>();
    ordered.forEach(s -> names.addAll(s.breakers().keySet()));
    Map<String, Long> transitions = new TreeMap<>();
    List<String> flapping = new ArrayList<>();
    List<String> chronic = new ArrayList<>();
    Map<String, List<Integer>> hours = new TreeMap<>();
    Map<String, Duration> meanOpen = new TreeMap<>();
    for (String name : names) {
      List<StateSnapshot> seen = ordered.stream().filter(s -> s.breakers().containsKey(name)).toList();
      transitions.put(name, transitions(seen, name));
      if (flaps(seen, name)) {
        flapping.add(name);
      }
      long open = seen.stream().filter(s -> isOpen(s.breakers().get(name).state())).count();
      if (seen.size() >= MIN_SNAPSHOTS && open * 2 >= seen.size()) {
        chronic.add(name);
      }
      List<Integer> recurring = recurringHours(seen, name, zone);
      if (!recurring.isEmpty()) {
        hours.put(name, recurring);
      }
      meanTimeInOpen(seen, name).ifPresent(mean -> meanOpen.put(name, mean));
    }
    Duration span = ordered.size() < 2 ? Duration.ZERO
        : Duration.between(ordered.get(0).at(), ordered.get(ordered.size() - 1).at());
    return new StatePatterns(ordered.size(), span, transitions, flapping, chronic, hours, meanOpen);
  }

  private static long transitions(List<StateSnapshot> seen, String name) {
    long total = 0;
    for (int i = 1; i < seen.size(); i++) {
      total += Math.max(0, seen.get(i).breakers().get(name).version() - seen.get(i - 1).breakers().get(name).version());
    }
    return total;
  }

  private static boolean flaps(List<StateSnapshot> seen, String name) {
    int from = 0;
    for (int to = 1; to < seen.size(); to++) {
      while (Duration.between(seen.get(from).at(), seen.get(to).at()).compareTo(Duration.ofHours(1)) > 0) {
        from++;
      }
      long within = seen.get(to).breakers().get(name).version() - seen.get(from).breakers().get(name).version();
      if (within >= FLAPPING_TRANSITIONS) {
        return true;
      }
    }
    return false;
  }

  private static List<Integer> recurringHours(List<StateSnapshot> seen, String name, ZoneId zone) {
    Map<Integer, Set<LocalDate>> days = new HashMap<>();
    for (StateSnapshot snapshot : seen) {
      if (isOpen(snapshot.breakers().get(name).state())) {
        ZonedDateTime local = snapshot.at().atZone(zone);
        days.computeIfAbsent(local.getHour(), h -> new HashSet<>()).add(local.toLocalDate());
      }
    }
    return days.entrySet().stream().filter(e -> e.getValue().size() >= 2).map(Map.Entry::getKey).sorted().toList();
  }

  private static Optional<Duration> meanTimeInOpen(List<StateSnapshot> seen, String name) {
    Map<Long, Duration> episodes = new TreeMap<>(); // by the version of the OPEN state
    for (int i = 0; i < seen.size(); i++) {
      StateSnapshot.Breaker breaker = seen.get(i).breakers().get(name);
      if (breaker.state() != State.OPEN || episodes.containsKey(breaker.version())) {
        continue;
      }
      StateSnapshot.Breaker next = null;
      for (int j = i + 1; j < seen.size() && next == null; j++) {
        StateSnapshot.Breaker later = seen.get(j).breakers().get(name);
        if (later.version() > breaker.version()) {
          next = later;
        }
      }
      if (next != null && next.version() == breaker.version() + 1) {
        episodes.put(breaker.version(), Duration.between(breaker.since(), next.since()));
      } else if (next != null && breaker.openUntil().isPresent()) {
        episodes.put(breaker.version(), Duration.between(breaker.since(), breaker.openUntil().get()));
      }
    }
    return episodes.isEmpty() ? Optional.empty() : Optional.of(
        episodes.values().stream().reduce(Duration.ZERO, Duration::plus).dividedBy(episodes.size()));
  }

  private static boolean isOpen(State state) {
    return state == State.OPEN || state == State.FORCED_OPEN;
  }
}
