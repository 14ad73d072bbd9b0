package io.github.r4jredis.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.fallback.FallbackMeters;
import io.github.r4jredis.health.HealthMeters;
import io.github.r4jredis.slo.SloMeters;
import io.github.r4jredis.state.DocumentedMeter;
import io.github.r4jredis.state.StateMeters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every meter of the library is declared once, in its module's enum, named {@code r4jredis.<module>.*},
 * and listed on its module's page in {@code docs/}; no main code names a meter with a string of its own.
 */
class MeterDocumentationTest {

  /** Each module's meters and the page that lists them. */
  private static final Map<Class<? extends Enum<? extends DocumentedMeter>>, String> PAGES = Map.of(
      StateMeters.class, "docs/architecture.md",
      FallbackMeters.class, "docs/fallback.md",
      HealthMeters.class, "docs/health.md",
      SloMeters.class, "docs/slo.md");
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final Pattern METER_LITERAL = Pattern.compile("\"r4jredis\\.[a-z]");
  /** The only files that may write a meter's name. */
  private static final List<String> ENUMS =
      List.of("StateMeters.java", "FallbackMeters.java", "HealthMeters.java", "SloMeters.java");

  @Test
  void namesAreOfTheirModuleAndUnique() {
    List<String> names = new ArrayList<>();
    PAGES.keySet().forEach(type -> {
      String module = type.getPackageName().substring(type.getPackageName().lastIndexOf('.') + 1);
      for (DocumentedMeter meter : meters(type)) {
        assertThat(meter.getName()).as(meter + " of " + type.getSimpleName())
            .matches("r4jredis\\." + module + "\\.[a-z]+(\\.[a-z]+)*");
        assertThat(meter.description()).isNotBlank();
        names.add(meter.getName());
      }
    });
    assertThat(names).doesNotHaveDuplicates().hasSizeGreaterThan(30);
  }

  @Test
  void everyMeterIsListedOnItsModulesPage() throws IOException {
    for (var entry : PAGES.entrySet()) {
      String page = Files.readString(REPO.resolve(entry.getValue()));
      for (DocumentedMeter meter : meters(entry.getKey())) {
        assertThat(page).as(meter.getName() + " on " + entry.getValue())
            .containsAnyOf("`" + meter.getName() + "`", "`" + meter.getName() + "{");
      }
    }
  }

  @Test
  void noMainCodeNamesAMeterOutsideTheEnums() throws IOException {
    List<String> found = new ArrayList<>();
    List<Path> scanned = new ArrayList<>();
    try (Stream<Path> files = Files.walk(REPO)) {
      files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> REPO.relativize(p).toString().startsWith("r4j-"))
          .filter(p -> p.toString().contains("/src/main/") || p.toString().contains("/src/shared/"))
          .filter(p -> !ENUMS.contains(p.getFileName().toString()))
          .forEach(p -> {
            scanned.add(p);
            Matcher m = METER_LITERAL.matcher(read(p));
            while (m.find()) {
              found.add(REPO.relativize(p) + " at " + m.start());
            }
          });
    }
    assertThat(scanned).as("main sources read").hasSizeGreaterThan(100);
    assertThat(found).as("meter names written outside the *Meters enums").isEmpty();
  }

  private static List<DocumentedMeter> meters(Class<? extends Enum<? extends DocumentedMeter>> type) {
    return Stream.of(type.getEnumConstants()).map(DocumentedMeter.class::cast).toList();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
