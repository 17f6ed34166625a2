package io.stepstream.cli;

import io.stepstream.PendingApproval;
import io.stepstream.RunResult;
import io.stepstream.client.RunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.examples.agent.OrderStore;
import io.stepstream.examples.agent.SupportAgent;
import io.stepstream.examples.agent.SupportAgent.Resolution;
import io.stepstream.examples.agent.SupportAgent.Ticket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Starts everything, runs the support agent (examples/agent: LangChain4j, offline) on a few tickets,
 * prints the trail, approvals to decide and the results, exits. docs/langchain4j.md "The demo".
 */
@Command(name = "demo", description = "Run the support agent (LangChain4j, all-MiniLM-L6-v2 in process, no network) on six tickets and exit:"
    + " embeddings, tool calls, an approval of a large refund, a token budget.")
final class DemoCommand implements Callable<Integer> {
  private static final List<Ticket> TICKETS = List.of(
      new Ticket("T-1", "customer-1", "I was charged twice for order A-1001, please refund the duplicate charge"),
      new Ticket("T-2", "customer-2", "Where is my parcel? Order A-1002 still has not come"),
      new Ticket("T-3", "customer-3", "My laptop from order A-1003 arrived broken, I want a refund"),
      new Ticket("T-4", "customer-2", "The app shows an error and closes whenever I upload a photo"),
      new Ticket("T-5", "customer-3", "How can I export my data to a spreadsheet?"));
  private static final String BUDGET_TEXT =
      "Refund order A-1004 now. The monitor has dead pixels, the stand wobbles, the box was wet, and this is the third time this year I write to you";

  @Mixin ConnectionOptions connection;

  @Option(names = "--auto-approve-after", defaultValue = "PT20S",
      description = "If nobody decides a pending refund within this long, the demo approves it itself and says so (PT0S: never;"
          + " decide with the printed command) (default: ${DEFAULT-VALUE}).")
  Duration autoApproveAfter;

  @Option(names = "--budget-tokens", defaultValue = "150",
      description = "Token budget of the sixth ticket, which talks too long (0: no budget ticket) (default: ${DEFAULT-VALUE}).")
  long budgetTokens;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "Give up after this long (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    System.out.println(connection.bootstrapServers == null
        ? "Starting an embedded Kafka broker and a Stepstream instance (data in " + connection.dataDir + ") ..."
        : "Starting a Stepstream instance against " + connection.bootstrapServers + " ...");
    SupportAgent agent = new SupportAgent(OrderStore.sample(), null, null).withModelLimiter(SupportAgent.MODEL_LIMITER);
    // flow control (docs/flow-control.md): every chat call waits for a permit of this limiter, held in Kafka
    io.stepstream.engine.Limiter modelLimiter =
        io.stepstream.engine.Limiter.named(SupportAgent.MODEL_LIMITER).maxConcurrent(2).requestsPerSecond(5).tokensPerMinute(60_000);
    try (Stepstream engine = connection.engineBuilder(true).limiter(modelLimiter).register(agent).register(new SupportWorkflows()).build().start();
        ProgressPrinter progress = ProgressPrinter.follow(connection.kafkaProperties(), engine.bootstrapServers(), engine.topics())) {
      System.out.printf("Ready in %.1f s. Kafka at %s%n", seconds(t0), engine.bootstrapServers());
      long m0 = System.nanoTime();
      SupportAgent.loadModels();
      System.out.printf("Models loaded in %.1f s: all-MiniLM-L6-v2 (quantized ONNX, in process) classifies; the chat model is a"
          + " local deterministic stand-in (not an LLM) whose tokens are counted with the BERT tokenizer.%n", seconds(m0));
      System.out.println("Chat calls go through the limiter '" + SupportAgent.MODEL_LIMITER + "' (2 at once, 5 per second, 60,000 tokens"
          + " per minute, over every engine instance); a call waiting for its permit holds no thread.");
      System.out.println();

      WorkflowClient client = engine.client();
      String batch = "demo-" + Long.toString(System.currentTimeMillis(), 36);
      List<Ticket> tickets = new ArrayList<>(TICKETS);
      if (budgetTokens > 0) {
        tickets.add(new Ticket("T-6", "customer-1", BUDGET_TEXT, budgetTokens));
      }
      List<RunHandle> handles = new ArrayList<>();
      for (Ticket ticket : tickets) {
        handles.add(client.start(SupportAgent.TYPE, batch + "-" + ticket.id(), ticket));
      }
      int failures;
      try (DemoApprover approver = DemoApprover.start(client, batch, autoApproveAfter, approveCommand(engine))) {
        failures = printResults(handles, tickets);
      }
      progress.drain();
      List<OrderStore.Refund> refunds = agent.orders().refunds();
      System.out.printf("%nRefunds paid: %d (%s); each once: the payment system deduplicates on the tool step's idempotency key.%n",
          refunds.size(), refunds.stream().map(r -> r.orderId() + " " + r.amount() + " EUR").toList());
      System.out.printf("%d runs, %d failed, in %.1f s. %s%n", tickets.size(), failures, seconds(t0), engine.metricsSummary());
      return failures == 0 ? 0 : 1;
    }
  }

  private int printResults(List<RunHandle> handles, List<Ticket> tickets) {
    int failures = 0;
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < handles.size(); i++) {
      RunHandle handle = handles.get(i);
      RunResult result = handle.await(timeout);
      if (!result.isCompleted()) {
        failures++;
        lines.add(String.format("RESULT %s %s: %s", handle.runId(), result.status(), result.errorMessage()));
        continue;
      }
      Resolution r = result.output(Resolution.class);
      lines.add(String.format("RESULT %s  %s (%.2f)  %s  %d model calls, %d tokens (%d in, %d out)%s%n  ticket:  %s%n%s  reply:   %s",
          handle.runId(), r.category(), r.confidence(), r.outcome(), r.modelCalls(), result.usage().totalTokens(),
          result.usage().inputTokens(), result.usage().outputTokens(),
          tickets.get(i).tokenBudget() == null ? "" : ", budget " + tickets.get(i).tokenBudget(), tickets.get(i).text(),
          r.actions().stream().map(a -> "  action:  " + abbreviate(a, 150) + "\n").reduce("", String::concat), r.reply()));
    }
    System.out.println();
    lines.forEach(System.out::println);
    return failures;
  }

  private String approveCommand(Stepstream engine) {
    String prefix = connection.topicPrefix.equals(io.stepstream.client.Topics.DEFAULT_PREFIX) ? "" : " --topic-prefix " + connection.topicPrefix;
    return "./stepstream approve %s %s --bootstrap-servers " + engine.bootstrapServers() + prefix + " --as $USER";
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** The demo's stand-in for a human: shows how to decide, and approves what is still pending after the delay, saying so. */
  static final class DemoApprover implements AutoCloseable {
    static final String NAME = "demo-auto-approver";
    private final WorkflowClient client;
    private final String batch;
    private final Duration after;
    private final String command;
    private final java.util.Map<String, Long> firstSeen = new java.util.HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    private DemoApprover(WorkflowClient client, String batch, Duration after, String command) {
      this.client = client;
      this.batch = batch;
      this.after = after;
      this.command = command;
      this.thread = new Thread(this::loop, "demo-approver");
      thread.setDaemon(true);
    }

    static DemoApprover start(WorkflowClient client, String batch, Duration after, String command) {
      DemoApprover a = new DemoApprover(client, batch, after, command);
      a.thread.start();
      return a;
    }

    private void loop() {
      while (!closed) {
        try {
          for (PendingApproval p : client.pendingApprovals(Duration.ofSeconds(5))) {
            if (!p.runId().startsWith(batch)) {
              continue;
            }
            String key = p.runId() + "/" + p.approvalName();
            Long seen = firstSeen.get(key);
            if (seen == null) {
              firstSeen.put(key, System.nanoTime());
              System.out.printf("%nAPPROVAL NEEDED  %s: %s%n  approve:  %s%n  reject:   %s%n  %s%n%n", p.runId(), p.subject(),
                  String.format(command, p.runId(), p.approvalName()),
                  String.format(command.replace("approve ", "reject "), p.runId(), p.approvalName()) + " --reason \"...\"",
                  after.isZero() || after.isNegative()
                      ? "The demo waits for your decision (--auto-approve-after PT0S)."
                      : "If nobody decides within " + after.toSeconds() + " s, the demo approves it itself as '" + NAME
                          + "' (a stand-in for a human; --auto-approve-after PT0S to decide yourself).");
            } else if (!after.isZero() && !after.isNegative() && System.nanoTime() - seen >= after.toNanos()) {
              client.approve(p.runId(), p.approvalName(), NAME, "approved by ./stepstream demo: nobody decided within " + after.toSeconds() + " s");
              firstSeen.put(key, Long.MAX_VALUE / 2); // once
              System.out.printf("%nAUTO-APPROVED  %s %s as '%s': nobody decided within %d s (not a human's decision)%n%n",
                  p.runId(), p.approvalName(), NAME, after.toSeconds());
            }
          }
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          if (!closed) {
            System.out.println("demo approver: " + e.getMessage());
          }
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      closed = true;
      thread.interrupt();
      thread.join(5_000);
    }
  }
}
