package io.github.r4jredis.state;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A meter of r4j-redis, declared once. Each module lists its meters as an enum of these
 * ({@link StateMeters}, {@code FallbackMeters}, {@code HealthMeters}, {@code SloMeters}): every
 * meter it registers takes its name, description and unit from there, names are
 * {@code r4jredis.<module>.*}, and the module's page in {@code docs/} lists them all (a test
 * compares). It is Micrometer's {@link MeterDocumentation}, so Micrometer's tools read it too.
 */
public interface DocumentedMeter extends MeterDocumentation {

  /**
   * What one meter is.
   *
   * @param name the meter's name, {@code r4jredis.<module>.<what>}
   * @param type counter, gauge, timer...
   * @param baseUnit its unit ({@code seconds}), or null
   * @param description what it counts or shows, as Micrometer registers it
   * @param tags the keys of its tags, in the order the docs list them
   */
  record Declaration(String name, Meter.Type type, @Nullable String baseUnit, String description,
      List<String> tags) {
    public Declaration {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(description, "description");
      tags = List.copyOf(tags);
    }

    /** The same meter, measured in {@code unit}. */
    public Declaration in(String unit) {
      return new Declaration(name, type, Objects.requireNonNull(unit, "unit"), description, tags);
    }
  }

  /** A meter without unit. */
  static Declaration of(String name, Meter.Type type, String description, String... tags) {
    return new Declaration(name, type, null, description, List.of(tags));
  }

  /** The declaration of this meter. */
  Declaration declaration();

  @Override
  default String getName() {
    return declaration().name();
  }

  @Override
  default Meter.Type getType() {
    return declaration().type();
  }

  @Override
  default @Nullable String getBaseUnit() {
    return declaration().baseUnit();
  }

  @Override
  default KeyName[] getKeyNames() {
    return declaration().tags().stream().map(tag -> (KeyName) () -> tag).toArray(KeyName[]::new);
  }

  /** What it counts or shows. */
  default String description() {
    return declaration().description();
  }
}
