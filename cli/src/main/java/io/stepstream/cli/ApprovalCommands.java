package io.stepstream.cli;

import io.stepstream.PendingApproval;
import io.stepstream.client.Decision;
import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stepstream approvals | approve | reject | signal}: the human side of human-in-the-loop. */
final class ApprovalCommands {
  private ApprovalCommands() {}

  @Command(name = "approvals", description = "List the approvals runs are waiting for, with the token a decision must carry.")
  static final class ListPending implements Callable<Integer> {
    @Mixin ConnectionOptions connection;

    @Spec CommandSpec spec;

    @Option(names = "--engine-url", paramLabel = "URL", split = ",",
        description = "Ask an engine's HTTP API (its --http-bind) instead of reading the approval-requests topic: served from the"
            + " engine's stores; repeatable, tried in order. With it, no Kafka connection is needed.")
    List<String> engineUrls = new java.util.ArrayList<>();

    @Option(names = "--type", description = "With --engine-url: approvals of runs of this workflow type only.")
    String type;

    @Option(names = "--engine-token-file", paramLabel = "FILE", description = "With --engine-url: a file holding your JWT (default: $STEPSTREAM_ENGINE_TOKEN).")
    java.nio.file.Path tokenFile;

    @Override
    public Integer call() {
      if (!engineUrls.isEmpty()) {
        return fromEngine();
      }
      try (WorkflowClient client = connection.client()) {
        print(client.pendingApprovals(Duration.ofSeconds(30)), spec.commandLine().getOut());
        return 0;
      }
    }

    /** Every page of the engine's pending approvals, printed as the topic listing is. */
    private int fromEngine() {
      EngineUrlOptions engine = new EngineUrlOptions();
      engine.engineUrls = engineUrls;
      engine.tokenFile = tokenFile;
      engine.user = System.getProperty("user.name");
      var queries = engine.queries();
      List<PendingApproval> all = new java.util.ArrayList<>();
      io.stepstream.client.RunQuery query = io.stepstream.client.RunQuery.builder().limit(io.stepstream.client.RunQuery.MAX_LIMIT)
          .type(type == null ? new String[0] : new String[] {type}).build();
      try {
        for (int pages = 0; pages < 10_000; pages++) {
          io.stepstream.client.ApprovalPage page = queries.pendingApprovals(query);
          for (io.stepstream.client.ApprovalItem a : page.approvals()) {
            all.add(new PendingApproval(a.runId(), a.approvalName(), a.workflowType(), a.subject(),
                a.details() == null ? "null" : a.details().text(), a.allowedApprovers(), a.allowedGroups(), a.deadline(), a.token()));
          }
          if (page.nextCursor().isEmpty()) {
            break;
          }
          query = query.next(page.nextCursor().get());
        }
      } catch (io.stepstream.client.EngineQueryException e) {
        spec.commandLine().getErr().println("stepstream approvals: " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
      print(all, spec.commandLine().getOut());
      return 0;
    }

    /**
     * One block per approval. The token is what a decision produced by any other tool must carry
     * (the CLI's own approve/reject look it up themselves).
     */
    static void print(List<PendingApproval> pending, PrintWriter out) {
      if (pending.isEmpty()) {
        out.println("no pending approvals");
      }
      for (PendingApproval p : pending) {
        out.printf("%s  %s  %s%n    details: %s%n    approvers: %s groups: %s  deadline: %s%n    token: %s%n",
            p.runId(), p.approvalName(), p.subject(), p.details(), p.approvers(), p.groups(), p.deadline() == null ? "none" : p.deadline(), p.token());
      }
      out.flush();
    }
  }

  /** Shared by approve and reject. */
  abstract static class Decide implements Callable<Integer> {
    @Mixin ConnectionOptions connection;

    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Parameters(index = "1", description = "Approval name.")
    String approvalName;

    @Option(names = "--as", defaultValue = "${sys:user.name}", description = "Approver (default: your user name).")
    String approver;

    @Option(names = "--group", description = "A group the approver acts for (repeatable).")
    List<String> groups = List.of();

    @Option(names = "--identity-token-file", paramLabel = "FILE",
        description = "A file holding your JWT from the identity provider, for engines that verify approvers (docs/security.md);"
            + " default: $STEPSTREAM_IDENTITY_TOKEN. Then --as and --group are taken from the token, not from you.")
    java.nio.file.Path identityTokenFile;

    abstract boolean approved();

    String identityToken() {
      try {
        if (identityTokenFile != null) {
          return java.nio.file.Files.readString(identityTokenFile).trim();
        }
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("could not read the identity token from " + identityTokenFile + ": " + e.getMessage(), e);
      }
      String fromEnv = System.getenv("STEPSTREAM_IDENTITY_TOKEN");
      return fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
    }

    String comment() {
      return null;
    }

    String reason() {
      return null;
    }

    Object edited() {
      return null;
    }

    @Override
    public Integer call() {
      try (WorkflowClient client = connection.client()) {
        Decision decision = (approved() ? Decision.approve(runId, approvalName) : Decision.reject(runId, approvalName, reason()))
            .approver(approver).groups(groups).comment(comment()).edited(edited()).identityToken(identityToken());
        client.decide(decision);
        System.out.println((approved() ? "approval" : "rejection") + " of " + approvalName + " for run " + runId
            + " sent; the events topic shows whether it was applied (APPROVAL_DECIDED) or why not");
        return 0;
      }
    }
  }

  @Command(name = "approve", description = "Approve: stepstream approve RUN NAME [--comment ...] [--edited JSON].")
  static final class Approve extends Decide {
    @Option(names = "--comment")
    String comment;

    @Option(names = "--edited", description = "Approve with changes: the corrected details as JSON.")
    String edited;

    @Override
    boolean approved() {
      return true;
    }

    @Override
    String comment() {
      return comment;
    }

    @Override
    Object edited() {
      try {
        return edited == null ? null : PayloadCodec.json().readTree(edited);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("--edited is not valid JSON: " + e.getMessage());
      }
    }
  }

  @Command(name = "reject", description = "Reject: stepstream reject RUN NAME [--reason ...].")
  static final class Reject extends Decide {
    @Option(names = "--reason")
    String reason;

    @Override
    boolean approved() {
      return false;
    }

    @Override
    String reason() {
      return reason;
    }
  }

  @Command(name = "signal", description = "Send an event to a run: stepstream signal RUN NAME --data JSON [--id ID].")
  static final class SendSignal implements Callable<Integer> {
    @Mixin ConnectionOptions connection;

    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Parameters(index = "1", description = "Event name (what the workflow awaits).")
    String name;

    @Option(names = "--data", defaultValue = "null", description = "Payload as JSON.")
    String data;

    @Option(names = "--id", description = "Deduplication id.")
    String signalId;

    @Override
    public Integer call() throws Exception {
      try (WorkflowClient client = connection.client()) {
        var json = PayloadCodec.json().readTree(data);
        client.signal(runId, name, json.isNull() ? null : json, signalId);
        System.out.println("event " + name + " sent to run " + runId);
        return 0;
      }
    }
  }
}
