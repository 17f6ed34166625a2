package io.stepstream.worker;

/**
 * What a running {@link TaskHandler} can tell the engine, and learn from it.
 *
 * <pre>{@code
 * (task, ctx) -> {
 *     for (Chunk chunk : chunks) {
 *         if (ctx.isCancelled()) {
 *             throw new NonRetryableTaskException("CANCELLED", "the engine no longer waits for this attempt");
 *         }
 *         process(chunk);
 *         ctx.heartbeat();   // optional: the worker already sends one every heartbeatTimeout/3
 *     }
 *     return "done";
 * }
 * }</pre>
 */
public interface TaskContext {

  /**
   * Sends a heartbeat for this task now (pushes its timeout to min(deadline, now + heartbeatTimeout)).
   * The worker sends them on its own every heartbeatTimeout/3 while the handler runs; tasks without a
   * heartbeat timeout send nothing (the engine would ignore it).
   */
  void heartbeat();

  /**
   * True once the engine has said that this attempt no longer counts (timed out, or its run ended): stop
   * early if you can; whatever the handler returns now is ignored by the engine.
   */
  boolean isCancelled();
}
