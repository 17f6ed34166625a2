package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;
import io.stepstream.RunCancelledException;
import io.stepstream.UndecodableJournalException;
import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry.Registration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replays a recorded history against the current workflow code without running a single step body:
 * recorded steps answer from the journal, and the first step the history lacks ends the replay
 * (through {@link StepRunner}, so no tool is ever called). What the engine would park a run for
 * (a name recorded by another kind of call, a shifted unnamed value, an undecodable value) is found
 * by the same {@link ReplayContext} the engine uses.
 *
 * <p>A finished run (COMPLETED or FAILED) must replay completely: the code reaching a step, wait or
 * recorded value the history does not have, leaving journaled steps unreached, or ending with
 * another outcome than the recorded one is reported too. A run still in flight (or cancelled) may
 * end anywhere after its recorded entries.
 *
 * <p>Used by the test kit's {@code WorkflowReplayer}; runs on the calling thread.
 */
public final class HistoryReplay {
  private HistoryReplay() {}

  /**
   * What a replay found.
   *
   * @param problem null if the code matches the history, else what changed, naming the run and the step
   * @param historyEndedAt the step the code reached after the last recorded entry (null if none)
   */
  public record Outcome(String problem, String historyEndedAt) {
    public boolean deterministic() {
      return problem == null;
    }
  }

  /**
   * @param recordedStatus the run's status when the history was taken; null if unknown (treated as in flight)
   */
  public static Outcome replay(
      Registration<?, ?> workflow, String runId, Payload input, Map<String, JournalEntry> journal, RunStatus recordedStatus) {
    ExecutionRequest request = new ExecutionRequest(runId, workflow.type(), nextGeneration(journal), input, journal);
    String[] endedAt = new String[1];
    Capture publisher = new Capture();
    ReplayContext ctx =
        new ReplayContext(request, publisher, Clock.fixed(afterEverything(journal), ZoneOffset.UTC), () -> endedAt[0] != null,
            workflow.defaultRetry(), () -> 0.5)
            .withStepRunner(new StepRunner() {
              @Override
              public <T> AttemptRunner.Attempt<T> run(
                  io.stepstream.StepFunction<T> fn, StepAttemptContext context, AttemptRunner.Limits limits, Clock clock) {
                endedAt[0] = context.stepName();
                throw new ExecutionAbandoned(runId); // an Error: workflow code catching Exception does not swallow it
              }
            });
    boolean finished = recordedStatus == RunStatus.COMPLETED || recordedStatus == RunStatus.FAILED;
    Object inputValue;
    try {
      inputValue = PayloadCodec.decode(input, workflow.inputType());
    } catch (PayloadCodec.PayloadException e) {
      return new Outcome(new UndecodableJournalException(runId, "the run's input", workflow.inputType().getName(), e.getMessage()).getMessage(), null);
    }
    Ending ending = run(workflow, ctx, inputValue);
    if (ctx.parkedBy() != null) {
      return new Outcome(ctx.parkedBy().getMessage(), endedAt[0]);
    }
    if (!finished) {
      return new Outcome(null, endedAt[0]);
    }
    String problem = incompleteReplay(runId, recordedStatus, ctx, publisher, ending, endedAt[0]);
    return new Outcome(problem, endedAt[0]);
  }

  private record Ending(Throwable failure, Suspension suspension, boolean abandoned) {}

  private static Ending run(Registration<?, ?> workflow, ReplayContext ctx, Object input) {
    Ending ending;
    try {
      invoke(workflow.workflow(), ctx, input);
      ending = new Ending(null, null, false);
    } catch (Suspension s) {
      return new Ending(null, s, false);
    } catch (ExecutionAbandoned a) {
      return new Ending(null, null, true);
    } catch (Throwable t) {
      ending = new Ending(t, null, false);
    }
    if (ending.failure() != null && !(ending.failure() instanceof RunCancelledException) && ctx.parkedBy() == null && ctx.hasCompensations()) {
      try {
        ctx.runCompensations(); // as the engine does after a failure: recorded compensation steps replay
      } catch (Suspension s) {
        return new Ending(ending.failure(), s, false);
      } catch (ExecutionAbandoned a) {
        return new Ending(ending.failure(), null, true);
      } catch (RuntimeException e) {
        // a failed compensation or a parked replay: parkedBy() says which
      }
    }
    return ending;
  }

  /** For a finished run: what the code does that the history does not have, or null. */
  private static String incompleteReplay(
      String runId, RunStatus recorded, ReplayContext ctx, Capture publisher, Ending ending, String endedAt) {
    String end = "; the workflow code changed incompatibly for runs like this one: restore the old code, or make the change"
        + " only for new runs (register the changed workflow under a new type)";
    if (endedAt != null) {
      return "run " + runId + ": the code now runs step '" + endedAt + "', which the history does not have (the run " + recorded
          + " without it)" + end;
    }
    if (ending.suspension() != null) {
      return "run " + runId + ": the code now waits (" + ending.suspension().reason + "), which the history does not have (the run "
          + recorded + " without it)" + end;
    }
    List<String> added = new ArrayList<>();
    // a version marker a run passed before it existed is journaled now, as DEFAULT_VERSION: that is
    // the compatible way to change code, not a difference
    publisher.entries.stream().filter(e -> e.getKind() != EntryKind.VERSION).forEach(e -> added.add(e.getName()));
    ctx.drainUnpublished().stream().filter(e -> e.getKind() != EntryKind.VERSION).forEach(e -> added.add(e.getName()));
    if (!added.isEmpty()) {
      return "run " + runId + ": the code now records " + added + ", which the history does not have (the run " + recorded
          + " without them)" + end;
    }
    List<String> unreached = ctx.unreachedSteps();
    if (!unreached.isEmpty()) {
      return "run " + runId + ": journaled steps the code no longer reaches: " + unreached + " (renamed or removed?)" + end;
    }
    boolean failedNow = ending.failure() != null;
    if (recorded == RunStatus.COMPLETED && failedNow) {
      Throwable t = ending.failure();
      return "run " + runId + ": the run COMPLETED, but the code now fails on the same history (" + t.getClass().getName() + ": "
          + t.getMessage() + ")" + end;
    }
    if (recorded == RunStatus.FAILED && !failedNow) {
      return "run " + runId + ": the run FAILED, but the code now completes on the same history" + end;
    }
    return null;
  }

  /** A replay clock after every recorded time: recorded sleeps and retry backoffs have passed. */
  private static Instant afterEverything(Map<String, JournalEntry> journal) {
    long latest = 0;
    for (JournalEntry e : journal.values()) {
      latest = Math.max(latest, e.getRecordedAt());
      if (e.getDueAt() != null) {
        latest = Math.max(latest, e.getDueAt());
      }
    }
    return Instant.ofEpochMilli(latest + 1);
  }

  private static int nextGeneration(Map<String, JournalEntry> journal) {
    return journal.values().stream().mapToInt(JournalEntry::getGeneration).max().orElse(0) + 1;
  }

  @SuppressWarnings("unchecked")
  private static <I> Object invoke(Workflow<I, ?> wf, ReplayContext ctx, Object input) throws Exception {
    return wf.run(ctx, (I) input);
  }

  /** Keeps what the replay would have published (entries flushed before a step's body). */
  private static final class Capture implements OutcomePublisher {
    final List<JournalEntry> entries = new ArrayList<>();

    @Override
    public void publish(io.stepstream.avro.StepOutcome outcome) {
      entries.addAll(outcome.getEntries());
    }

    @Override
    public RecordLimit recordLimit() {
      return RecordLimit.DEFAULT;
    }
  }
}
