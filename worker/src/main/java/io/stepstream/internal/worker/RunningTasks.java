package io.stepstream.internal.worker;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks this worker holds, by task id, and the ids cancel notices named recently: a notice can arrive
 * before its task is (re)delivered here, and such a task is then skipped.
 */
final class RunningTasks {

  private static final int REMEMBERED_CANCELS = 10_000;

  private final Map<String, RunningTask> running = new ConcurrentHashMap<>();
  private final Set<String> recentlyCancelled = Collections.newSetFromMap(Collections.synchronizedMap(
      new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_CANCELS;
        }
      }));

  void add(RunningTask task) {
    running.put(task.task().taskId(), task);
  }

  void remove(RunningTask task) {
    running.remove(task.task().taskId(), task);
  }

  boolean wasCancelled(String taskId) {
    return recentlyCancelled.contains(taskId);
  }

  /** Marks {@code taskId} cancelled; true if this worker is running it. */
  boolean cancel(String taskId) {
    recentlyCancelled.add(taskId);
    RunningTask task = running.get(taskId);
    if (task == null) {
      return false;
    }
    task.cancel();
    return true;
  }

  int size() {
    return running.size();
  }
}
