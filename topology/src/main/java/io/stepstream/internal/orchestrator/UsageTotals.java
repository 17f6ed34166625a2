package io.stepstream.internal.orchestrator;

import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.StepUsage;

/**
 * A run's total usage (ADR 0018): the entries of step attempts ({@code STEP}, {@code STEP_ATTEMPT})
 * carry what the attempt reported; when the orchestrator applies one to the journal (the first entry
 * of its name only: duplicates are never applied) its usage is added to the run header ({@code
 * RunState.usage}) and to the usage meters. The header then travels into the result, the run's
 * final audit event and the query API.
 *
 * <p>Exactly once for the header: it is saved in the same transaction as the entry. The meters are
 * counted in memory when the entry is applied, so a transaction that aborts and is processed again
 * counts again (as every engine counter does).
 */
final class UsageTotals {
  private UsageTotals() {}

  /** {@code entry} was just applied to {@code state}'s journal: adds its usage to the run's total and the meters. */
  static void applied(RunState state, JournalEntry entry, EngineMetrics metrics) {
    StepUsage usage = entry.getUsage();
    if (usage == null || (entry.getKind() != EntryKind.STEP && entry.getKind() != EntryKind.STEP_ATTEMPT)) {
      return;
    }
    state.setUsage(plus(state.getUsage(), usage));
    metrics.usage(state.getWorkflowType(), usage.getInputTokens(), usage.getOutputTokens(), usage.getCost());
  }

  /** The sum; null only when both are null. */
  static StepUsage plus(StepUsage total, StepUsage more) {
    if (total == null) {
      return more == null ? null : StepUsage.newBuilder(more).build();
    }
    if (more == null) {
      return total;
    }
    return StepUsage.newBuilder()
        .setInputTokens(total.getInputTokens() + more.getInputTokens())
        .setOutputTokens(total.getOutputTokens() + more.getOutputTokens())
        .setCost(total.getCost() + more.getCost())
        .build();
  }
}
