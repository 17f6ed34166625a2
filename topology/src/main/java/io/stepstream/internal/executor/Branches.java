package io.stepstream.internal.executor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The parallel branches of one execution: at most {@code limit} running at once, the rest queued in
 * creation order. Branch threads only run the attempt and hand the branch back; the workflow's
 * thread collects finished ones ({@link #finished()}) and journals them, so the journal is written
 * by one thread only.
 */
final class Branches {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService BRANCH_THREADS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "stepstream-branch-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
  /** How long the workflow's thread blocks at a time while waiting, to notice it was abandoned. */
  private static final long WAIT_SLICE_MS = 50;

  private final int limit;
  private final LinkedBlockingQueue<StepBranch<?>> finished = new LinkedBlockingQueue<>();
  private final Deque<StepBranch<?>> queued = new ArrayDeque<>();
  private final List<StepBranch<?>> created = new ArrayList<>();
  private int running;

  Branches(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the parallel steps per run must be at least 1, not " + limit);
    }
    this.limit = limit;
  }

  void created(StepBranch<?> branch) {
    created.add(branch);
  }

  /** Every branch this execution created, in order. */
  List<StepBranch<?>> all() {
    return created;
  }

  boolean hasRoom() {
    return running < limit;
  }

  void queue(StepBranch<?> branch) {
    branch.queued();
    queued.add(branch);
  }

  StepBranch<?> nextQueued() {
    return queued.poll();
  }

  /** Runs the attempt on a branch thread; the branch comes back through {@link #finished()}. */
  <T> void start(StepBranch<T> branch, Supplier<AttemptRunner.Attempt<T>> attempt) {
    branch.running();
    running++;
    branch.thread =
        BRANCH_THREADS.submit(
            () -> {
              try {
                branch.attempt = attempt.get();
              } catch (Throwable e) {
                branch.attempt = new AttemptRunner.Attempt<>(null, e);
              } finally {
                finished.add(branch);
              }
            });
  }

  /** Branches that finished since the last call (not blocking). */
  List<StepBranch<?>> finished() {
    List<StepBranch<?>> done = new ArrayList<>();
    finished.drainTo(done);
    running -= done.size();
    return done;
  }

  /** True while a branch runs or waits for room. */
  boolean busy() {
    return running > 0 || !queued.isEmpty();
  }

  /** Blocks until a branch finishes or a slice passes; the caller checks whether it was abandoned. */
  void awaitOne() throws InterruptedException {
    StepBranch<?> one = finished.poll(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
    if (one != null) {
      finished.add(one); // collected by finished(), with the others, in one place
    }
  }

  /** The execution ended or was abandoned: interrupt what still runs; its results are not wanted. */
  void cancelRunning() {
    queued.clear();
    for (StepBranch<?> b : created) {
      if (b.thread != null && b.state() == StepBranch.State.RUNNING) {
        b.thread.cancel(true);
      }
    }
  }
}
