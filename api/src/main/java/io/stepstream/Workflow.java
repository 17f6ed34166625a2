package io.stepstream;

/**
 * A durable workflow: plain Java whose side effects are wrapped in named steps.
 *
 * <p>The function is replayed from its journal after a crash, a rebalance or a wait, so the code
 * between steps must be deterministic: take time, randomness and I/O only through {@link
 * WorkflowContext} ({@link WorkflowContext#now()}, {@link WorkflowContext#randomUUID()}, {@link
 * WorkflowContext#step}).
 *
 * <pre>{@code
 * class TicketWorkflow implements Workflow<Ticket, Answer> {
 *   public Answer run(WorkflowContext ctx, Ticket t) {
 *     Classification c = ctx.step("classify", Classification.class, s -> classifier.classify(t.text()));
 *     return ctx.step("answer", Answer.class, s -> agent.answer(c, s.idempotencyKey()));
 *   }
 * }
 * }</pre>
 *
 * @param <I> input type: a record/POJO (JSON) or an Avro generated type
 * @param <O> output type, same rules
 */
@FunctionalInterface
public interface Workflow<I, O> {

  /**
   * Runs (or replays) the workflow. Throwing fails the run; the result names the error and, for a
   * {@link StepFailedException}, the step.
   */
  O run(WorkflowContext ctx, I input) throws Exception;
}
