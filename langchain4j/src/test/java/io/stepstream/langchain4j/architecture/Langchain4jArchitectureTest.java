package io.stepstream.langchain4j.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
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
 * The module's rules: its public API ({@code io.stepstream.langchain4j}) shows no internal type, and
 * the module uses only the workflow API ({@code io.stepstream}), LangChain4j and the JDK: no engine,
 * client, Kafka or Avro, so workflow code that uses it stays as light as {@code stepstream-api}.
 */
@Timeout(60)
class Langchain4jArchitectureTest {
  private static final JavaClasses MODULE = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.stepstream.langchain4j", "io.stepstream.internal.langchain4j");

  @Test
  void noPublicSignatureOfTheModuleShowsAnInternalType() {
    codeUnits()
        .that(DescribedPredicate.describe("public members of public classes of io.stepstream.langchain4j",
            (JavaCodeUnit u) -> u.getModifiers().contains(JavaModifier.PUBLIC) && u.getOwner().getModifiers().contains(JavaModifier.PUBLIC)
                && u.getOwner().getPackageName().equals("io.stepstream.langchain4j")))
        .should(new ArchCondition<>("not mention an internal type") {
          @Override
          public void check(JavaCodeUnit unit, ConditionEvents events) {
            Set<JavaClass> involved = new HashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
            unit.getParameterTypes().forEach(p -> involved.addAll(p.getAllInvolvedRawTypes()));
            involved.stream().filter(c -> c.getPackageName().startsWith("io.stepstream.internal"))
                .forEach(c -> events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " exposes " + c.getName())));
          }
        })
        .check(MODULE);
  }

  @Test
  void theModuleDependsOnTheWorkflowApiLangChain4jAndTheJdkOnly() {
    classes().should().onlyDependOnClassesThat(DescribedPredicate.describe("in java.., io.stepstream (api), this module or dev.langchain4j..",
            (JavaClass c) -> c.getPackageName().startsWith("java") || c.getPackageName().equals("io.stepstream")
                || c.getPackageName().equals("io.stepstream.langchain4j") || c.getPackageName().equals("io.stepstream.internal.langchain4j")
                || c.getPackageName().startsWith("dev.langchain4j") || c.isPrimitive() || c.isArray()))
        .check(MODULE);
  }
}
