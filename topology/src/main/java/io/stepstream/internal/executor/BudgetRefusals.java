package io.stepstream.internal.executor;

import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.Usage;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.internal.codec.PayloadCodec;

/**
 * How a step refused for a used-up budget is journaled: a failed {@code STEP} entry of error type
 * {@value #TYPE} whose details say which budget, what was used and the limits. Replaying the entry
 * throws the same {@link BudgetExceededException}, so the code takes the same path on every replay
 * even if the budget or the usage it was computed from would now give another answer. The entry has
 * no usage of its own (no attempt ran); the attempts the step ran before are in their own entries.
 */
final class BudgetRefusals {
  /** The error type of a refused step's entry. */
  static final String TYPE = "BUDGET_EXCEEDED";

  /** The refusal's details, as JSON in the entry's error details. */
  record Refusal(String budgetKey, long inputTokens, long outputTokens, double cost, Long maxTokens, Double maxCost) {}

  private BudgetRefusals() {}

  /** The error of a refused step; {@code attempts}: how many attempts it ran before (0 if none). */
  static ErrorInfo error(BudgetExceededException refused, int attempts) {
    Usage used = refused.used();
    Budget budget = refused.budget();
    Refusal details = new Refusal(refused.budgetKey(), used.inputTokens(), used.outputTokens(), used.cost(), budget.maxTokens(), budget.maxCost());
    return ErrorInfo.newBuilder()
        .setType(TYPE)
        .setMessage(refused.getMessage())
        .setStep(refused.step())
        .setAttempt(attempts)
        .setDetails(PayloadCodec.encode(details))
        .build();
  }

  static boolean isRefusal(ErrorInfo error) {
    return error != null && TYPE.equals(error.getType()) && error.getDetails() != null;
  }

  /** The exception a replay of the refusal throws: the same one the step call threw the first time. */
  static BudgetExceededException replayed(String step, Refusal r) {
    return new BudgetExceededException(
        step, r.budgetKey(), new Usage(r.inputTokens(), r.outputTokens(), r.cost()), new Budget(r.maxTokens(), r.maxCost()));
  }
}
