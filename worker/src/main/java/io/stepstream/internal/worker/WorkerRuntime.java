package io.stepstream.internal.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.stepstream.worker.TaskHandler;

/**
 * A started worker: the group settings, one producer for outcomes and heartbeats, the cancel-notice reader,
 * and {@code consumers} share consumers that run {@code concurrency} tasks at once between them.
 */
public final class WorkerRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

  private final String name;
  private final OutcomePublisher publisher;
  private final CancelWatcher cancels;
  private final ScheduledExecutorService heartbeats;
  private final List<TaskSlot> slots = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  private WorkerRuntime(String name, OutcomePublisher publisher, CancelWatcher cancels, ScheduledExecutorService heartbeats) {
    this.name = name;
    this.publisher = publisher;
    this.cancels = cancels;
    this.heartbeats = heartbeats;
  }

  /**
   * Starts a worker on {@code tasksTopic} with share group {@code groupId}; outcomes go to {@code signalsTopic},
   * cancel notices come from {@code cancelsTopic}.
   */
  public static WorkerRuntime start(String name, Map<String, Object> clientSettings, String tasksTopic, String signalsTopic,
                   String cancelsTopic, String groupId, int concurrency, int consumers, TaskHandler handler)
      throws InterruptedException {
    GroupSettings.apply(clientSettings, groupId);
    RunningTasks running = new RunningTasks();
    OutcomePublisher publisher = new OutcomePublisher(clientSettings, signalsTopic, name + "-outcomes");
    CancelWatcher cancels = new CancelWatcher(clientSettings, cancelsTopic, name + "-cancels", running);
    ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-heartbeats"));
    WorkerRuntime worker = new WorkerRuntime(name, publisher, cancels, heartbeats);
    worker.threads.add(daemon(cancels, name + "-cancels"));
    for (int i = 0; i < consumers; i++) {
      String slotName = name + "-consumer-" + i;
      int width = concurrency / consumers + (i < concurrency % consumers ? 1 : 0); // spread evenly
      TaskSlot slot = new TaskSlot(slotName, width, clientSettings, groupId, tasksTopic, handler, publisher, running, heartbeats);
      worker.slots.add(slot);
      worker.threads.add(daemon(slot, slotName));
    }
    worker.threads.forEach(Thread::start);
    if (!cancels.awaitPositioned(Duration.ofSeconds(30))) {
      log.warn("{}: the cancel-notice reader is not positioned after 30 s; going on", name);
    }
    log.info("{}: {} tasks at once through {} share consumers on {} (share group {}), outcomes to {}, cancel notices from {}",
        name, concurrency, consumers, tasksTopic, groupId, signalsTopic, cancelsTopic);
    return worker;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Stops polling, interrupts running handlers (their tasks are RELEASEd), closes every client. */
  @Override
  public void close() {
    slots.forEach(TaskSlot::stop);
    cancels.close();
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(40).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        log.warn("{}: {} did not stop within 40 s", name, t.getName());
      }
    }
    heartbeats.shutdownNow();
    publisher.close();
    log.info("{}: closed", name);
  }
}
