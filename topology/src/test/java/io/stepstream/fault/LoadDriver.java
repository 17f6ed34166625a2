package io.stepstream.fault;

import io.stepstream.client.RunHandle;
import io.stepstream.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts runs at a steady rate from a {@link WorkflowClient} in the test JVM (an ordinary user of the
 * product), on its own thread, until stopped. Run ids are {@code <prefix>-<n>}.
 */
final class LoadDriver implements AutoCloseable {
  private final WorkflowClient client;
  private final String workflowType;
  private final String prefix;
  private final int perSecond;
  private final List<RunHandle> handles = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  LoadDriver(WorkflowClient client, String workflowType, String prefix, int perSecond) {
    this.client = client;
    this.workflowType = workflowType;
    this.prefix = prefix;
    this.perSecond = perSecond;
    this.thread = new Thread(this::drive, "fault-load-" + prefix);
    thread.setDaemon(true);
    thread.start();
  }

  private void drive() {
    long start = System.nanoTime();
    int n = 0;
    while (running.get()) {
      long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L;
      while (n < due && running.get()) {
        String runId = String.format("%s-%05d", prefix, n++);
        RunHandle handle = client.startAsync(workflowType, runId, runId);
        synchronized (handles) {
          handles.add(handle);
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  int sent() {
    synchronized (handles) {
      return handles.size();
    }
  }

  /**
   * Stops sending and waits until every request is acknowledged or failed (the client's producer is
   * idempotent, acks=all, so a broker outage delays acknowledgements but loses none).
   *
   * @return the run ids whose requests the broker acknowledged
   */
  Set<String> stop() throws InterruptedException {
    running.set(false);
    thread.join();
    client.flush();
    Set<String> acked = new TreeSet<>();
    synchronized (handles) {
      for (RunHandle h : handles) {
        if (!h.result().isCompletedExceptionally()) {
          acked.add(h.runId());
        }
      }
    }
    return acked;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join();
  }
}
