package io.stepstream.internal.orchestrator;

import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PromiseIds;
import io.stepstream.internal.executor.EmitTopics;
import io.stepstream.internal.executor.TaskRecords;

/**
 * When a run ends (completed, failed, cancelled, terminated) while a remote task attempt is still
 * out, workers holding it are told: a cancel notice ({@code reason RUN_ENDED}) on {@code
 * <prefix>.task-cancels}, journaled as {@code $task-cancel:<step>#<n>} and written in the same
 * transaction, so once per attempt however often the finished header is saved. Timed-out attempts
 * are told by the execution itself ({@code TIMED_OUT}), when it moves on to the next attempt.
 */
final class TaskCancels {
  private static final String TASK_WAITS = TaskRecords.WAIT_PREFIX + TaskRecords.PROMISE_PREFIX;

  private final RunStore store;
  private final EmitSink emits;
  private final EmitTopics declared;
  private final java.util.function.LongSupplier clock;

  TaskCancels(RunStore store, EmitSink emits, EmitTopics declared, java.util.function.LongSupplier clock) {
    this.clock = clock;
    this.store = store;
    this.emits = emits;
    this.declared = declared;
  }

  void onRunFinished(RunState state) {
    if (declared.taskCancels() == null) {
      return; // no task queues here: no run of this engine dispatched tasks
    }
    String runId = state.getRunId();
    for (JournalEntry wait : store.entriesStartingWith(runId, TASK_WAITS)) {
      String promise = wait.getName().substring(TaskRecords.WAIT_PREFIX.length());
      TaskRecords.Wait task = TaskRecords.waitOf(wait);
      if (task == null || store.entry(runId, TaskRecords.SETTLED_PREFIX + promise) != null) {
        continue; // settled: its worker is done or was told when it timed out
      }
      String taskId = PromiseIds.format(runId, promise);
      JournalEntry notice = JournalEntry.newBuilder()
          .setRunId(runId)
          .setName(TaskRecords.CANCEL_PREFIX + promise.substring(TaskRecords.PROMISE_PREFIX.length()))
          .setKind(EntryKind.EMIT)
          .setSucceeded(true)
          .setAttempt(task.attempt())
          .setValue(PayloadCodec.encode(TaskRecords.cancelNotice(declared.taskCancels(), taskId, runId, task, "RUN_ENDED")))
          .setGeneration(state.getGeneration())
          .setRecordedAt(clock.getAsLong())
          .build();
      if (store.recordIfAbsent(notice)) {
        emits.write(state, notice);
      }
    }
  }
}
