package io.stepstream.cli;

import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterRef;
import io.stepstream.client.DeadLetterView;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.admin.AdminJson;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stepstream dlq list|redrive} (docs/operations.md "Dead letters"). */
@Command(name = "dlq", description = "Dead letters: list them, redrive them after a fix.",
    subcommands = {DlqCommand.ListLetters.class, DlqCommand.Redrive.class})
final class DlqCommand {

  @Command(name = "list", description = "Dead letters, newest first.")
  static final class ListLetters implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Option(names = "--run-id", description = "Only this run's.")
    String runId;

    @Option(names = "--code", description = "Only this dead-letter code (e.g. BAD_TOKEN).")
    String code;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many (1..500, default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", description = "The nextCursor of the previous page.")
    String cursor;

    @Option(names = "--json", description = "Print the page as JSON (the HTTP API's shape).")
    boolean json;

    @Override
    public Integer call() {
      DeadLetterQuery query = DeadLetterQuery.newest(limit).runId(runId).code(code).after(cursor);
      try (WorkflowClient client = connection.client()) {
        DeadLetterPage page = client.deadLetters().list(query);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          out.println(AdminJson.write(AdminJson.page(page)));
        } else {
          if (page.deadLetters().isEmpty()) {
            out.println("no dead letters" + (runId == null && code == null ? "" : " matching"));
          }
          for (DeadLetterView d : page.deadLetters()) {
            out.println(d.ref() + "  " + Instant.ofEpochMilli(d.failedAt()) + "  " + d.errorType() + "  run " + (d.runId() == null ? "-" : d.runId())
                + "  from " + d.sourceTopic() + "-" + d.sourcePartition() + "@" + d.sourceOffset() + (d.redriven() ? "  [redriven]" : "")
                + (d.redrivable() ? "" : "  [not redrivable]"));
            out.println("    " + d.errorMessage());
            if (d.valueText() != null) {
              out.println("    value (" + d.valueEncoding() + ", " + d.valueBytes() + " bytes): " + oneLine(d.valueText()));
            }
          }
          if (page.nextCursor() != null) {
            out.println("more: --cursor " + page.nextCursor());
          }
        }
        out.flush();
        return 0;
      }
    }

    private static String oneLine(String text) {
      String line = text.replaceAll("\\s+", " ");
      return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
  }

  @Command(name = "redrive", description = "Produce dead letters again to their source topic (after fixing the cause): by coordinates PARTITION@OFFSET, or --all matching --run-id/--code.")
  static final class Redrive implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "PARTITION@OFFSET", description = "Dead letters to redrive, as `dlq list` shows them (e.g. 0@17).")
    List<String> coordinates = new ArrayList<>();

    @Option(names = "--all", description = "Every redrivable dead letter not redriven yet (narrow it with --run-id and --code).")
    boolean all;

    @Option(names = "--run-id", description = "With --all: only this run's.")
    String runId;

    @Option(names = "--code", description = "With --all: only this code.")
    String code;

    @Option(names = "--json", description = "Print the answer as JSON (the HTTP API's shape).")
    boolean json;

    @Override
    public Integer call() {
      if (all == !coordinates.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "give PARTITION@OFFSET coordinates or --all");
      }
      if (!all && (runId != null || code != null)) {
        throw new ParameterException(spec.commandLine(), "--run-id and --code go with --all");
      }
      List<DeadLetterRef> refs = new ArrayList<>();
      for (String c : coordinates) {
        refs.add(parse(c));
      }
      try (WorkflowClient client = connection.client()) {
        if (all) {
          DeadLetterQuery query = DeadLetterQuery.newest(DeadLetterQuery.MAX_LIMIT).runId(runId).code(code);
          for (DeadLetterPage page = client.deadLetters().list(query); ; page = client.deadLetters().list(query.after(page.nextCursor()))) {
            page.deadLetters().stream().filter(d -> d.redrivable() && !d.redriven()).map(DeadLetterView::ref).forEach(refs::add);
            if (page.nextCursor() == null) {
              break;
            }
          }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (refs.isEmpty()) {
          out.println(json ? AdminJson.write(AdminJson.redrive(new RedriveResult(List.of(), List.of()))) : "nothing to redrive");
          out.flush();
          return 0;
        }
        RedriveResult result = client.deadLetters().redrive(refs, System.getProperty("user.name"));
        if (json) {
          out.println(AdminJson.write(AdminJson.redrive(result)));
        } else {
          result.redriven().forEach(r -> out.println("redriven " + r.partition() + "@" + r.offset() + " to " + r.toTopic()));
          result.refused().forEach(r -> out.println("refused " + r.partition() + "@" + r.offset() + ": " + r.reason()));
        }
        out.flush();
        return result.refused().isEmpty() ? 0 : StepstreamCli.REFUSED;
      }
    }

    private DeadLetterRef parse(String text) {
      int at = text.indexOf('@');
      try {
        return new DeadLetterRef(Integer.parseInt(text.substring(0, at)), Long.parseLong(text.substring(at + 1)));
      } catch (RuntimeException e) {
        throw new ParameterException(spec.commandLine(), "not PARTITION@OFFSET: '" + text + "' (e.g. 0@17, as `stepstream dlq list` shows)");
      }
    }
  }
}
