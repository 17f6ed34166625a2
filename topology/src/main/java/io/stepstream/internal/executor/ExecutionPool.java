package io.stepstream.internal.executor;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded pool that runs workflow code, never a stream thread. Its size, not the number of
 * partitions or stream threads, bounds how many steps are in flight on one instance (steps that
 * wait on an LLM hold a thread while they wait, so size it for the expected concurrency).
 */
public final class ExecutionPool implements Executor, AutoCloseable {
  private final ThreadPoolExecutor pool;

  public ExecutionPool(int threads) {
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "stepstream-exec-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
  }

  @Override
  public void execute(Runnable execution) {
    pool.execute(execution);
  }

  /** Executions waiting for a thread (a sign the pool is too small for the load). */
  public int queued() {
    return pool.getQueue().size();
  }

  public int active() {
    return pool.getActiveCount();
  }

  /** True once closed: no execution can start here any more. */
  public boolean isShutdown() {
    return pool.isShutdown();
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
