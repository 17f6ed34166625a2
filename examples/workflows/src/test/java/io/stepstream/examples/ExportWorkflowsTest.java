package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.client.StreamEvent;
import io.stepstream.examples.ExportWorkflows.Export;
import io.stepstream.testkit.WorkflowTestEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The large-payload and token-stream example in the test kit (which keeps large values as an engine with its defaults would). */
@Timeout(120)
class ExportWorkflowsTest {

  @Test
  void aThreeMegabyteExportIsUsedByTheNextStepReturnedWholeAndTheSummaryIsStreamed() {
    try (var env = WorkflowTestEnvironment.of(new ExportWorkflows())) {
      String runId = env.start(ExportWorkflows.TYPE, 100_000);

      Export export = env.result(runId).output(Export.class);
      assertThat(export.csv().length()).as("far above Kafka's default 1 MB records").isGreaterThan(3_000_000);
      assertThat(export.csv().lines().count()).isEqualTo(100_001);
      assertThat(export.csv()).startsWith("order,customer,amount_eur,status\nA-100001,customer-1,1.01,delivered\n");
      assertThat(export.summary()).startsWith("100000 orders, ");
      assertThat(env.streamed(runId)).filteredOn(e -> e.kind() == StreamEvent.Kind.CHUNK).extracting(StreamEvent::text)
          .containsExactly("read 100000 orders\n", "total " + export.summary().substring("100000 orders, ".length()).replace(" EUR", "") + " EUR\n");
    }
  }
}
