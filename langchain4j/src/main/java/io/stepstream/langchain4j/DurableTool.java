package io.stepstream.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import io.stepstream.StepContext;

/**
 * The body of a tool the model can call, run by {@link DurableTools} as a durable step. It gets the
 * step's context: {@link StepContext#idempotencyKey()} is the same for every attempt and every
 * re-execution, so a system that deduplicates on it (a payment API, an upsert) applies the tool's
 * effect once; {@link StepContext#reportUsage} if the tool itself calls a model.
 *
 * <pre>{@code
 * // BAD: a retry or a crash after the call refunds twice
 * DurableTool refund = (call, s) -> payments.refund(orderId(call), amount(call));
 *
 * // GOOD: the payment API drops a second request with the same key
 * DurableTool refund = (call, s) -> payments.refund(orderId(call), amount(call), s.idempotencyKey());
 * }</pre>
 */
@FunctionalInterface
public interface DurableTool {
  /**
   * Executes one call and returns what the model should read (text, often JSON). Throw to fail the
   * attempt: the step's retry policy decides whether it runs again.
   */
  String execute(ToolExecutionRequest call, StepContext step) throws Exception;
}
