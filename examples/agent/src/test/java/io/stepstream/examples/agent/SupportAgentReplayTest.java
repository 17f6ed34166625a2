package io.stepstream.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.stepstream.examples.agent.SupportAgent.Ticket;
import io.stepstream.testkit.WorkflowReplayer;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent's replay gate: recorded histories (a small refund, a large one waiting for approval, the
 * same approved) replay against the current code from their journals alone: no model, no tool runs.
 */
@Timeout(120)
class SupportAgentReplayTest {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  /** Counts calls; the replay must make none. */
  static final class NoCalls implements ChatModel {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public ChatResponse doChat(ChatRequest request) {
      calls.incrementAndGet();
      throw new IllegalStateException("a replay called the model");
    }
  }

  @Test
  void everyRecordedHistoryReplaysFromItsJournalWithoutCallingTheModel() {
    NoCalls model = new NoCalls();
    OrderStore orders = OrderStore.sample();
    var reports = WorkflowReplayer.of(new SupportAgent(orders, null, model)).replayFiles(HISTORIES).assertDeterministic();

    assertThat(reports.all()).hasSize(3);
    assertThat(model.calls).hasValue(0);
    assertThat(orders.refunds()).as("no tool ran").isEmpty();
  }

  /**
   * Records the histories. Run when the workflow changes on purpose:
   * {@code mvn -pl examples/agent -am test -Dtest=SupportAgentReplayTest -Dstepstream.histories.record=true -Dsurefire.failIfNoSpecifiedTests=false}.
   */
  @Test
  void recordHistoriesWhenAsked() {
    if (!Boolean.getBoolean("stepstream.histories.record")) {
      return;
    }
    try (var env = WorkflowTestEnvironment.of(new SupportAgent(OrderStore.sample(), null, null))) {
      env.exportHistory(env.start(SupportAgent.TYPE, "agent-small-refund",
          new Ticket("T-1", "customer-1", "I was charged twice for order A-1001, please refund the duplicate charge")),
          HISTORIES.resolve("small-refund-completed.json"));
      String large = env.start(SupportAgent.TYPE, "agent-large-refund",
          new Ticket("T-3", "customer-3", "My laptop from order A-1003 arrived broken, I want a refund"));
      env.exportHistory(large, HISTORIES.resolve("large-refund-waiting.json"));
      env.approve(large, "refund-A-1003", "carol");
      env.exportHistory(large, HISTORIES.resolve("large-refund-approved.json"));
    }
  }
}
