package io.github.r4jredis.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build check that stands in for {@code module-info.java}: each module's API is its root
 * package ({@code io.github.r4jredis.<module>}), and its {@code .internal} packages are its own.
 * Read as bytecode (so a fully qualified name counts as much as an import) over every library
 * module, all of which this module's tests have on their class path. Signatures are checked by
 * their raw types (fields, parameters, returns, supertypes): a type argument such as
 * {@code List<SomeInternal>}, a thrown exception or an annotation is not.
 */
class ModuleBoundariesTest {

  private static final String ROOT = "io.github.r4jredis.";
  private static final JavaClasses LIBRARY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.github.r4jredis");

  @Test
  void readsEveryLibraryModule() {
    Set<String> modules = new TreeSet<>();
    LIBRARY.forEach(c -> modules.add(module(c.getPackageName())));

    assertThat(modules).containsExactly("cli", "fallback", "health", "slo", "spring", "state", "testkit");
  }

  @Test
  void noModuleReachesIntoAnothersInternals() {
    classes().that().resideInAPackage("io.github.r4jredis..")
        .should(new ArchCondition<JavaClass>("use no other module's .internal package") {
          @Override
          public void check(JavaClass item, ConditionEvents events) {
            String own = module(item.getPackageName());
            for (Dependency dependency : item.getDirectDependenciesFromSelf()) {
              String target = dependency.getTargetClass().getPackageName();
              if (internal(target) && !module(target).equals(own)) {
                events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
              }
            }
          }
        })
        .check(LIBRARY);
  }

  @Test
  void noPublicSignatureOfAnApiPackageNamesAnInternalType() {
    classes().that().resideInAPackage("io.github.r4jredis.*").and().arePublic()
        .should(new ArchCondition<JavaClass>("show no .internal type in a public or protected signature") {
          @Override
          public void check(JavaClass item, ConditionEvents events) {
            item.getRawSuperclass().ifPresent(s -> report(item, "extends", s, events));
            item.getRawInterfaces().forEach(i -> report(item, "implements", i, events));
            for (JavaField field : item.getFields()) {
              if (visible(field.getModifiers())) {
                report(item, "field " + field.getName(), field.getRawType(), events);
              }
            }
            for (JavaCodeUnit unit : item.getCodeUnits()) {
              if (visible(unit.getModifiers())) {
                report(item, unit.getName() + " returns", unit.getRawReturnType(), events);
                unit.getRawParameterTypes().forEach(p -> report(item, unit.getName() + " takes", p, events));
              }
            }
          }
        })
        .check(LIBRARY);
  }

  private static void report(JavaClass owner, String where, JavaClass type, ConditionEvents events) {
    if (internal(type.getPackageName())) {
      events.add(SimpleConditionEvent.violated(owner, owner.getName() + " " + where + " " + type.getName()));
    }
  }

  private static boolean visible(Set<JavaModifier> modifiers) {
    return Stream.of(JavaModifier.PUBLIC, JavaModifier.PROTECTED).anyMatch(modifiers::contains);
  }

  private static boolean internal(String packageName) {
    return packageName.startsWith(ROOT) && (packageName.endsWith(".internal") || packageName.contains(".internal."));
  }

  /** {@code state} for {@code io.github.r4jredis.state.internal}. */
  private static String module(String packageName) {
    String rest = packageName.substring(ROOT.length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }
}
