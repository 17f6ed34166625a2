package io.stepstream.cli;

import io.stepstream.client.RunStream;
import io.stepstream.client.StreamEvent;
import io.stepstream.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Follows a run's token stream (docs/streams.md): the text on stdout as it arrives, attempt boundaries on stderr. */
@Command(name = "stream", description = {
    "Follow a run's token stream: what its steps publish with publishPartial, as it arrives, until the run ends.",
    "Text goes to stdout; attempt boundaries, the run's end and the position to resume from go to stderr.",
    "Exit 0 when the run ended, 2 after --idle-timeout without a record (resume with --after)."})
final class StreamCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "Run id.")
  String runId;

  @Option(names = "--after", paramLabel = "POSITION", description = "Resume after this position (printed when a stream stops).")
  String after;

  @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "Give up after this long without a record (default: ${DEFAULT-VALUE}).")
  long idleTimeoutSeconds;

  @Option(names = "--json", description = "Print each record as a JSON line (the topic's format, plus its position) instead of the text.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (WorkflowClient client = connection.client(); RunStream stream = client.followStream(runId, after)) {
      StreamEvent e;
      while ((e = stream.next(Duration.ofSeconds(idleTimeoutSeconds))) != null) {
        if (json) {
          out.println(StreamJson.line(e));
        } else {
          text(e, out, err);
        }
        out.flush();
        if (e.kind() == StreamEvent.Kind.RUN_END) {
          return 0;
        }
      }
      err.println("no record of run " + runId + " for " + idleTimeoutSeconds + " s; resume with --after "
          + (stream.position() == null ? "(none: from the beginning)" : stream.position()));
      return 2;
    }
  }

  private void text(StreamEvent e, PrintWriter out, PrintWriter err) {
    switch (e.kind()) {
      case BEGIN -> {
        if (e.attempt() > 1) {
          err.println();
          err.println("[" + e.step() + ": attempt " + e.attempt() + "]");
        }
      }
      case CHUNK -> out.print(e.text());
      case END -> {
        if (!e.succeeded()) {
          out.println();
          err.println("[" + e.step() + ": attempt " + e.attempt() + " failed: " + e.error() + "; its text above does not count]");
        }
      }
      case RUN_END -> {
        out.println();
        err.println("[run " + e.runId() + " " + e.status() + "; position " + e.position() + "]");
      }
    }
  }

  /** The record as on the topic, with its position: what {@code --json} prints. */
  static final class StreamJson {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static String line(StreamEvent e) {
      var o = JSON.createObjectNode();
      o.put("type", e.kind() == StreamEvent.Kind.RUN_END ? "run-end" : e.kind().name().toLowerCase(java.util.Locale.ROOT));
      o.put("runId", e.runId());
      if (e.kind() != StreamEvent.Kind.RUN_END) {
        o.put("step", e.step());
        o.put("attempt", e.attempt());
        o.put("executionId", e.executionId());
        o.put("seq", e.sequence());
      }
      if (e.text() != null) {
        o.put("text", e.text());
      }
      if (e.status() != null) {
        o.put("status", e.status());
      }
      if (e.error() != null) {
        o.put("error", e.error());
      }
      o.put("at", e.at().toEpochMilli());
      o.put("position", e.position());
      return o.toString();
    }
  }
}
