package io.github.r4jredis.fallback;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * How degraded the application is, from the live states of the circuit breakers of what it
 * depends on: a level from 0 (all closed) to 100 (all open), a user-facing message per band of
 * levels, and which features still work.
 *
 * <p>Each dependency adds its weight times the score of its breaker's state: CLOSED, DISABLED and
 * METRICS_ONLY score 0, HALF_OPEN 50, OPEN and FORCED_OPEN 100; the level is the weighted mean,
 * rounded. With shared breakers the level is the fleet's: every node reports the same.
 *
 * <pre>{@code
 * Degradation degradation = Degradation.builder("booking-app")
 *     .dependency(registry.circuitBreaker("calcom"), 3)
 *     .dependency(registry.circuitBreaker("search"), 1)
 *     .feature(Feature.named("list-appointments").requires("calcom").worksDegraded())
 *     .feature(Feature.named("recommend").requires("calcom", "search"))
 *     .build();
 * if (!degradation.isFeatureAvailable("recommend")) { hideRecommendations(); }
 * }</pre>
 *
 * <p>Thread-safe; every answer reads the breakers' states at the time of the call.
 */
public final class Degradation {

  /** How a feature fares now. */
  public enum Availability {
    /** Everything it needs is up. */
    AVAILABLE,
    /** Something it needs is down, and it works degraded (from a cache, say). */
    DEGRADED,
    /** Something it needs is down, and it does not work without it. */
    UNAVAILABLE
  }

  /** What a feature needs. Immutable. */
  public static final class Feature {
    private final String name;
    private final Set<String> requires;
    private final boolean worksDegraded;

    private Feature(String name, Set<String> requires, boolean worksDegraded) {
      this.name = name;
      this.requires = requires;
      this.worksDegraded = worksDegraded;
    }

    /** A feature that needs nothing yet: add what it needs with {@link #requires}. */
    public static Feature named(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("feature name must not be blank");
      }
      return new Feature(name, Set.of(), false);
    }

    /** The same feature, needing also the dependencies of these breaker names. */
    public Feature requires(String... dependencies) {
      Set<String> all = new LinkedHashSet<>(requires);
      for (String dependency : dependencies) {
        all.add(Objects.requireNonNull(dependency, "dependency"));
      }
      return new Feature(name, Set.copyOf(all), worksDegraded);
    }

    /** The same feature, still usable when what it needs is down (it serves stale data). */
    public Feature worksDegraded() {
      return new Feature(name, requires, true);
    }

    /** Its name. */
    public String name() {
      return name;
    }

    /** The breaker names of what it needs. */
    public Set<String> requirements() {
      return requires;
    }

    /** Whether it works while what it needs is down. */
    public boolean isWorksDegraded() {
      return worksDegraded;
    }

    @Override
    public String toString() {
      return "Feature[" + name + ", requires=" + requires + (worksDegraded ? ", works degraded" : "") + "]";
    }
  }

  private record Dependency(CircuitBreaker breaker, double weight) {}

  private final String name;
  private final Map<String, Dependency> dependencies;
  private final double totalWeight;
  private final NavigableMap<Integer, String> messages;
  private final Map<String, Feature> features;

  private Degradation(Builder builder) {
    this.name = builder.name;
    this.dependencies = Map.copyOf(builder.dependencies);
    this.totalWeight = builder.dependencies.values().stream().mapToDouble(Dependency::weight).sum();
    this.messages = new TreeMap<>(builder.messages.isEmpty() ? Builder.DEFAULT_MESSAGES : builder.messages);
    this.features = Map.copyOf(builder.features);
    Gauge.builder(FallbackMeters.DEGRADATION_LEVEL.getName(), this, Degradation::level)
        .description(FallbackMeters.DEGRADATION_LEVEL.description())
        .tag("degradation", name)
        .strongReference(true)
        .register(builder.meterRegistry);
  }

  /** A builder of the degradation {@code name} (the {@code degradation} tag of its gauge). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Its name. */
  public String name() {
    return name;
  }

  /** The level now, 0-100. */
  public int level() {
    if (totalWeight == 0) {
      return 0;
    }
    double sum = 0;
    for (Dependency dependency : dependencies.values()) {
      sum += dependency.weight() * score(dependency.breaker().getState());
    }
    return (int) Math.round(sum / totalWeight);
  }

  private static int score(CircuitBreaker.State state) {
    return switch (state) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 50;
      case OPEN, FORCED_OPEN -> 100;
    };
  }

  /**
   * The message of the current level, but never one that says less than the features do: while
   * a declared feature is {@link Availability#UNAVAILABLE}, a level under
   * {@value #UNAVAILABLE_FEATURES_LEVEL} gives the message of that level (by default "Some
   * features are temporarily unavailable"); at 38 with a feature down it used to say "Some
   * information may be slightly out of date".
   */
  public String message() {
    int level = level();
    if (level < UNAVAILABLE_FEATURES_LEVEL
        && features.keySet().stream().anyMatch(f -> availability(f) == Availability.UNAVAILABLE)) {
      level = UNAVAILABLE_FEATURES_LEVEL;
    }
    return message(level);
  }

  /** The level whose message {@link #message()} gives at least while a feature is unavailable. */
  public static final int UNAVAILABLE_FEATURES_LEVEL = 50;

  /** The message of the band {@code level} falls in. */
  public String message(int level) {
    if (level < 0 || level > 100) {
      throw new IllegalArgumentException("level must be in [0,100], was " + level);
    }
    return messages.floorEntry(level).getValue();
  }

  /**
   * How {@code feature} fares now.
   *
   * @throws IllegalArgumentException when no such feature was declared
   */
  public Availability availability(String feature) {
    Feature declared = features.get(Objects.requireNonNull(feature, "feature"));
    if (declared == null) {
      throw new IllegalArgumentException("no feature '" + feature + "'; declared: " + features.keySet());
    }
    for (String dependency : declared.requirements()) {
      if (!isUp(dependencies.get(dependency).breaker().getState())) {
        return declared.isWorksDegraded() ? Availability.DEGRADED : Availability.UNAVAILABLE;
      }
    }
    return Availability.AVAILABLE;
  }

  /**
   * Whether {@code feature} can be used now, fully or degraded.
   *
   * @throws IllegalArgumentException when no such feature was declared
   */
  public boolean isFeatureAvailable(String feature) {
    return availability(feature) != Availability.UNAVAILABLE;
  }

  /** Every declared feature and how it fares now. */
  public Map<String, Availability> features() {
    Map<String, Availability> all = new LinkedHashMap<>();
    features.keySet().stream().sorted().forEach(feature -> all.put(feature, availability(feature)));
    return all;
  }

  /** A half-open breaker lets a few trial calls through: not enough for a feature to rely on. */
  private static boolean isUp(CircuitBreaker.State state) {
    return score(state) == 0;
  }

  @Override
  public String toString() {
    return "Degradation[" + name + ", level=" + level() + "]";
  }

  /** Settings of a degradation. Not thread-safe. */
  public static final class Builder {

    /** The messages when none are given. */
    public static final Map<Integer, String> DEFAULT_MESSAGES = Map.of(
        0, "All services are operating normally.",
        1, "Some information may be slightly out of date.",
        50, "Some features are temporarily unavailable; what you see may be out of date.",
        100, "The service is temporarily unavailable. Your changes are kept and will be completed later.");

    private final String name;
    private final Map<String, Dependency> dependencies = new LinkedHashMap<>();
    private final Map<Integer, String> messages = new TreeMap<>();
    private final Map<String, Feature> features = new LinkedHashMap<>();
    private MeterRegistry meterRegistry = Metrics.globalRegistry;

    private Builder(String name) {
      this.name = RetryQueue.Builder.requireName("name", name);
    }

    /** A dependency of weight 1, named as its breaker. */
    public Builder dependency(CircuitBreaker breaker) {
      return dependency(breaker, 1);
    }

    /**
     * A dependency, named as its breaker, counting {@code weight} (positive) towards the level.
     *
     * @throws IllegalArgumentException when the weight is not positive or the name is taken
     */
    public Builder dependency(CircuitBreaker breaker, double weight) {
      Objects.requireNonNull(breaker, "breaker");
      if (!(weight > 0) || Double.isInfinite(weight)) {
        throw new IllegalArgumentException("weight must be positive and finite, was " + weight);
      }
      if (dependencies.putIfAbsent(breaker.getName(), new Dependency(breaker, weight)) != null) {
        throw new IllegalArgumentException("dependency '" + breaker.getName() + "' declared twice");
      }
      return this;
    }

    /**
     * The message shown from {@code fromLevel} (0-100) up to the next band. Giving any message
     * replaces all of {@link #DEFAULT_MESSAGES}, and then a band must start at 0.
     */
    public Builder message(int fromLevel, String message) {
      if (fromLevel < 0 || fromLevel > 100) {
        throw new IllegalArgumentException("fromLevel must be in [0,100], was " + fromLevel);
      }
      messages.put(fromLevel, Objects.requireNonNull(message, "message"));
      return this;
    }

    /**
     * A feature; what it requires must be declared dependencies.
     *
     * @throws IllegalArgumentException when the name is taken
     */
    public Builder feature(Feature feature) {
      Objects.requireNonNull(feature, "feature");
      if (features.putIfAbsent(feature.name(), feature) != null) {
        throw new IllegalArgumentException("feature '" + feature.name() + "' declared twice");
      }
      return this;
    }

    /** Where the {@code r4jredis.fallback.degradation.level} gauge goes. Default Micrometer's global registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Builds it and registers its gauge.
     *
     * @throws IllegalStateException when a feature requires an undeclared dependency, or the
     *     messages have no band from 0
     */
    public Degradation build() {
      List<String> problems = new ArrayList<>();
      features.values().forEach(feature -> feature.requirements().stream()
          .filter(dependency -> !dependencies.containsKey(dependency))
          .forEach(dependency -> problems.add("feature '" + feature.name() + "' requires '" + dependency
              + "', which is not a declared dependency " + dependencies.keySet())));
      if (!messages.isEmpty() && !messages.containsKey(0)) {
        problems.add("the messages need a band from level 0, have " + messages.keySet());
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException(String.join("; ", problems));
      }
      return new Degradation(this);
    }
  }
}
