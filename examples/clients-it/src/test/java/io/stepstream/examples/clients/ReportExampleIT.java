package io.stepstream.examples.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.ReportWorkflows;
import io.stepstream.examples.ReportWorkflows.Questions;
import io.stepstream.examples.ReportWorkflows.Report;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The child-workflows example ({@link ReportWorkflows}) on a real broker: fan-out, fan-in, a failed child reported. */
@Timeout(180)
class ReportExampleIT {
  @TempDir Path dir;

  @Test
  void theReportFansOutToOneChildPerQuestionAndNamesTheOneThatFailed() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Stepstream engine = Stepstream.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("research")
            .stateDir(dir.resolve("state")).partitions(3).approvalSecret("research-example-secret")
            .register(new ReportWorkflows()).build().start()) {
      WorkflowClient client = engine.client();
      client.start(ReportWorkflows.REPORT, "report-1", new Questions(List.of("Kafka Streams", "Avro", " ", "Raft", "EOS")));
      RunResult result = client.awaitResult("report-1", Duration.ofSeconds(120));

      assertThat(result.status()).as("%s", result).isEqualTo(RunStatus.COMPLETED);
      Report report = result.output(Report.class);
      assertThat(report.findings()).extracting(ReportWorkflows.Finding::question).containsExactly("Kafka Streams", "Avro", "Raft", "EOS");
      assertThat(report.findings().get(0).summary()).startsWith("notes on kafka streams (request report-1::topic-0/search");
      assertThat(report.unanswered()).containsExactly("  (EMPTY_QUESTION)");
      assertThat(client.awaitResult("report-1::topic-2", Duration.ofSeconds(30)).status()).isEqualTo(RunStatus.FAILED);
    }
  }
}
