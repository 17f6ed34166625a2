package io.stepstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
 * The build rule that keeps the public API separate from internals (with the module boundaries:
 * stepstream-api has no dependencies at all, so the compiler already stops it importing Kafka or
 * Avro). Users import {@code io.stepstream} (api), {@code io.stepstream.client} and
 * {@code io.stepstream.engine}; everything under {@code io.stepstream.internal} and the generated
 * {@code io.stepstream.avro} types may change in any release, so no public signature may show them.
 */
@Timeout(60)
class ArchitectureTest {
  private static final String[] PUBLIC_PACKAGES = {"io.stepstream", "io.stepstream.client", "io.stepstream.engine"};
  private static final JavaClasses PRODUCT =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.stepstream");

  @Test
  void theApiDependsOnNothingButTheJdk() {
    classes()
        .that().resideInAPackage("io.stepstream")
        .should().onlyDependOnClassesThat().resideInAnyPackage("io.stepstream", "java..")
        .because("workflow authors depend on stepstream-api alone: no Kafka, no Avro, no internals")
        .check(PRODUCT);
  }

  @Test
  void noPublicSignatureShowsAnInternalOrGeneratedType() {
    codeUnits()
        .that(arePublicMembersOfPublicApiClasses())
        .should(notMention(internalOrGenerated()))
        .because("RunResult, Approval, statuses are the product's own types; internals and Avro classes may change in any release")
        .check(PRODUCT);
    fields()
        .that().arePublic().and().areDeclaredInClassesThat().arePublic()
        .and().areDeclaredInClassesThat().resideInAnyPackage(PUBLIC_PACKAGES)
        .should(notExposeInternalFieldTypes())
        .check(PRODUCT);
  }

  @Test
  void internalsNeverDependOnTheFacades() {
    noClasses()
        .that().resideInAPackage("io.stepstream.internal..")
        .should().dependOnClassesThat(
            DescribedPredicate.describe(
                "are facades (Stepstream, WorkflowClient, RunHandle, the CLI; value types and exceptions of the public packages are fine)",
                c -> c.getName().startsWith("io.stepstream.engine.Stepstream")
                    || c.getName().startsWith("io.stepstream.client.WorkflowClient")
                    || c.getName().equals("io.stepstream.client.RunHandle")
                    || c.getPackageName().equals("io.stepstream.cli")))
        .because("facades are built on internals, never the other way round (no cycles)")
        .check(PRODUCT);
  }

  @Test
  void theClientsInternalsDoNotReachIntoTheEngine() {
    noClasses()
        .that().resideInAnyPackage("io.stepstream.internal.client..", "io.stepstream.internal.codec..", "io.stepstream.internal.approvals..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.stepstream.internal.orchestrator..", "io.stepstream.internal.executor..", "io.stepstream.internal.engine..", "org.apache.kafka.streams..")
        .because("stepstream-client must work with kafka-clients alone")
        .check(PRODUCT);
  }

  private static DescribedPredicate<JavaCodeUnit> arePublicMembersOfPublicApiClasses() {
    return DescribedPredicate.describe(
        "public members of public classes in " + String.join(", ", PUBLIC_PACKAGES),
        unit -> unit.getModifiers().contains(JavaModifier.PUBLIC)
            && unit.getOwner().getModifiers().contains(JavaModifier.PUBLIC)
            && Set.of(PUBLIC_PACKAGES).contains(unit.getOwner().getPackageName()));
  }

  private static DescribedPredicate<JavaClass> internalOrGenerated() {
    return DescribedPredicate.describe(
        "an internal or Avro-generated type",
        c -> c.getPackageName().startsWith("io.stepstream.internal") || c.getPackageName().startsWith("io.stepstream.avro"));
  }

  private static ArchCondition<JavaCodeUnit> notMention(DescribedPredicate<JavaClass> forbidden) {
    return new ArchCondition<>("not mention " + forbidden.getDescription() + " in parameters, return type or exceptions") {
      @Override
      public void check(JavaCodeUnit unit, ConditionEvents events) {
        Set<JavaClass> involved = new HashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
        unit.getParameterTypes().forEach(p -> involved.addAll(p.getAllInvolvedRawTypes()));
        involved.addAll(unit.getExceptionTypes());
        involved.stream()
            .filter(forbidden)
            .forEach(c -> events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " exposes " + c.getName())));
      }
    };
  }

  private static ArchCondition<JavaField> notExposeInternalFieldTypes() {
    return new ArchCondition<>("not have an internal or Avro-generated type") {
      @Override
      public void check(JavaField field, ConditionEvents events) {
        field.getType().getAllInvolvedRawTypes().stream()
            .filter(internalOrGenerated())
            .forEach(c -> events.add(SimpleConditionEvent.violated(field, field.getFullName() + " exposes " + c.getName())));
      }
    };
  }
}
