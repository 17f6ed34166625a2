package io.stepstream.testkit.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;

import com.tngtech.archunit.base.DescribedPredicate;
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
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The test kit's public API follows the engine's rule (topology's ArchitectureTest): users see
 * {@code io.stepstream} and {@code io.stepstream.testkit} types, never an internal, Avro-generated or
 * Kafka Streams type, so the engine's internals may change without breaking users' tests.
 */
@Timeout(60)
class TestkitArchitectureTest {
  private static final JavaClasses TESTKIT =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.stepstream.testkit");

  private static final DescribedPredicate<JavaClass> HIDDEN = DescribedPredicate.describe(
      "an internal, Avro-generated or Kafka type",
      c -> c.getPackageName().startsWith("io.stepstream.internal") || c.getPackageName().startsWith("io.stepstream.avro")
          || c.getPackageName().startsWith("org.apache.kafka") || c.getPackageName().startsWith("org.apache.avro"));

  @Test
  void noPublicSignatureOfTheTestKitShowsAnInternalOrGeneratedType() {
    codeUnits()
        .that(DescribedPredicate.describe("public members of public test kit classes",
            (JavaCodeUnit u) -> u.getModifiers().contains(JavaModifier.PUBLIC) && u.getOwner().getModifiers().contains(JavaModifier.PUBLIC)))
        .should(notMention())
        .check(TESTKIT);
    fields().that().arePublic().and().areDeclaredInClassesThat().arePublic()
        .should(new ArchCondition<>("not have an internal type") {
          @Override
          public void check(JavaField field, ConditionEvents events) {
            field.getType().getAllInvolvedRawTypes().stream().filter(HIDDEN)
                .forEach(c -> events.add(SimpleConditionEvent.violated(field, field.getFullName() + " exposes " + c.getName())));
          }
        })
        .allowEmptyShould(true)
        .check(TESTKIT);
  }

  private static ArchCondition<JavaCodeUnit> notMention() {
    return new ArchCondition<>("not mention " + HIDDEN.getDescription()) {
      @Override
      public void check(JavaCodeUnit unit, ConditionEvents events) {
        Set<JavaClass> involved = new HashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
        unit.getParameterTypes().forEach(p -> involved.addAll(p.getAllInvolvedRawTypes()));
        involved.addAll(unit.getExceptionTypes());
        involved.stream().filter(HIDDEN).forEach(c -> events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " exposes " + c.getName())));
      }
    };
  }
}
