package io.stepstream.worker.architecture;

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
 * The worker module's rules: its public API ({@code io.stepstream.worker}) shows no internal type, and
 * the module uses only kafka-clients,
 * Jackson, SLF4J and the JDK: no engine, no Kafka Streams, no Avro, so a worker is a small process.
 */
@Timeout(60)
class WorkerArchitectureTest {
  private static final JavaClasses MODULE = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.stepstream.worker", "io.stepstream.internal.worker");

  @Test
  void noPublicSignatureOfTheModuleShowsAnInternalType() {
    codeUnits()
        .that(DescribedPredicate.describe("public members of public classes of io.stepstream.worker",
            (JavaCodeUnit u) -> u.getModifiers().contains(JavaModifier.PUBLIC) && u.getOwner().getModifiers().contains(JavaModifier.PUBLIC)
                && u.getOwner().getPackageName().equals("io.stepstream.worker")))
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
  void theModuleDependsOnKafkaClientsJacksonSlf4jAndTheJdkOnly() {
    classes().should().onlyDependOnClassesThat(DescribedPredicate.describe("in java.., this module, org.apache.kafka.clients/common, Jackson or SLF4J",
            (JavaClass c) -> c.getPackageName().startsWith("java") || c.getPackageName().equals("io.stepstream.worker")
                || c.getPackageName().equals("io.stepstream.internal.worker")
                || c.getPackageName().startsWith("org.apache.kafka.clients") || c.getPackageName().startsWith("org.apache.kafka.common")
                || c.getPackageName().startsWith("com.fasterxml.jackson") || c.getPackageName().startsWith("org.slf4j")
                || c.isPrimitive() || c.isArray()))
        .check(MODULE);
  }
}
