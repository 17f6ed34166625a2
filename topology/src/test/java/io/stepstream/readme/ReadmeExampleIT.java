package io.stepstream.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.engine.Stepstream;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, compiled and run here; the test also checks README.md still shows it verbatim. */
@Timeout(120)
class ReadmeExampleIT {
  /** Stands in for an LLM client. */
  interface Llm {
    String classify(String text);

    String reply(String category, String text, String idempotencyKey);
  }

  static final Llm llm =
      new Llm() {
        public String classify(String text) {
          return text.contains("refund") ? "billing" : "other";
        }

        public String reply(String category, String text, String key) {
          return "We are on it (" + category + ")";
        }
      };

  // README-START
  record Ticket(String text) {}

  record Answer(String category, String reply) {}

  static class TriageWorkflow implements Workflow<Ticket, Answer> {
    @Override
    public Answer run(WorkflowContext ctx, Ticket ticket) {
      String category = ctx.step("classify", String.class, s -> llm.classify(ticket.text()));
      String reply = ctx.step("reply", String.class, s -> llm.reply(category, ticket.text(), s.idempotencyKey()));
      return new Answer(category, reply);
    }
  }

  static Answer runOneTicket(Path dataDir) {
    try (Stepstream engine = Stepstream.builder()
        .devMode()                               // an embedded broker, for trying it; production: .bootstrapServers(...)
        .stateDir(dataDir)
        .register("triage", Ticket.class, new TriageWorkflow())
        .build()
        .start()) {
      RunResult result = engine.client()
          .start("triage", "ticket-1", new Ticket("I want a refund"))
          .await(Duration.ofSeconds(30));
      return result.outputOrThrow(Answer.class);
    }
  }
  // README-END

  @TempDir Path dir;

  @Test
  void theReadmeExampleRunsOnTheEmbeddedBroker() {
    assertThat(runOneTicket(dir)).isEqualTo(new Answer("billing", "We are on it (billing)"));
  }

  @Test
  void theReadmeShowsThisExampleVerbatim() throws Exception {
    List<String> source = Files.readAllLines(Path.of("src/test/java/io/stepstream/readme/ReadmeExampleIT.java"));
    List<String> snippet =
        source.subList(source.indexOf("  // README-START") + 1, source.indexOf("  // README-END")).stream()
            .map(line -> line.length() >= 2 ? line.substring(2) : line)
            .collect(Collectors.toList());
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).contains(String.join("\n", snippet));
  }
}
