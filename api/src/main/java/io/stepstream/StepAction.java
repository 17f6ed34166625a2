package io.stepstream;

/**
 * The body of a step that returns nothing ({@link WorkflowContext#run}).
 *
 * <pre>{@code
 * ctx.run("notify", s -> mailer.send(ticket.owner(), summary, s.idempotencyKey()));
 * }</pre>
 */
@FunctionalInterface
public interface StepAction {
  void run(StepContext step) throws Exception;
}
