package io.stepstream.internal.worker;

import java.util.concurrent.atomic.AtomicBoolean;

import io.stepstream.worker.Task;
import io.stepstream.worker.TaskContext;

/** A task while its handler runs: the handler's {@link TaskContext}. */
final class RunningTask implements TaskContext {

  private final Task task;
  private final OutcomePublisher publisher;
  private final AtomicBoolean cancelled = new AtomicBoolean();

  RunningTask(Task task, OutcomePublisher publisher) {
    this.task = task;
    this.publisher = publisher;
  }

  Task task() {
    return task;
  }

  @Override
  public void heartbeat() {
    if (task.heartbeatTimeout().isPresent()) {
      publisher.heartbeat(task.taskId());
    }
  }

  @Override
  public boolean isCancelled() {
    return cancelled.get();
  }

  void cancel() {
    cancelled.set(true);
  }
}
