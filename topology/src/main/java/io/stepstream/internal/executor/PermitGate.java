package io.stepstream.internal.executor;

import io.stepstream.BudgetExceededException;
import io.stepstream.Budget;
import io.stepstream.RateLimitedException;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.StepUsage;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.limits.FlowControl;
import io.stepstream.internal.limits.PermitAnswer;
import io.stepstream.internal.limits.PermitRelease;
import io.stepstream.internal.limits.PermitRequest;
import java.util.List;

/**
 * The journal rules of flow control for one execution (ADR 0019). Each try of a step attempt is
 * named {@code <step>@<attempt>:<try>}; a try ends with a {@code $release:} entry, and a try that
 * the provider rate limited ({@link RateLimitedException}) does not use up the attempt: the next
 * try of the same attempt waits until its Retry-After has passed.
 *
 * <p>A step with limiters (or a budget key with a declared budget) runs only with a permit: the
 * first time, its {@code $permit-request:} entry is journaled and the run waits (no thread held);
 * the orchestrator asks the coordinator, journals the answer as {@code $permit:} and dispatches the
 * run again, which then finds the permit in the journal (a replay never asks twice). A refused
 * budget key throws {@link BudgetExceededException} from the step call; nothing runs.
 */
final class PermitGate {
  static final String REQUEST_PREFIX = io.stepstream.internal.limits.PermitNames.REQUEST;
  static final String PERMIT_PREFIX = io.stepstream.internal.limits.PermitNames.PERMIT;
  static final String RELEASE_PREFIX = io.stepstream.internal.limits.PermitNames.RELEASE;
  static final String RATE_LIMITED = "RATE_LIMITED";

  /** What the journal says of the next try of a step attempt. */
  record Decision(String permitName, boolean permitHeld, long rateLimitedUntil, boolean waiting, RuntimeException refused,
                  List<String> held) {}

  private final ReplayContext ctx;
  private final FlowControl flow;

  PermitGate(ReplayContext ctx, FlowControl flow) {
    this.ctx = ctx;
    this.flow = flow;
  }

  Decision decide(String step, int attempt, StepOptions options, long now) {
    String base = step + "@" + attempt;
    int tryNo = 1;
    JournalEntry last = null;
    JournalEntry ended;
    while ((ended = ctx.journaled(RELEASE_PREFIX + base + ":" + tryNo)) != null) {
      last = ended;
      tryNo++;
    }
    if (last != null && last.getError() != null && RATE_LIMITED.equals(last.getError().getType()) && last.getDueAt() != null
        && now < last.getDueAt()) {
      return new Decision(null, false, last.getDueAt(), false, null, List.of());
    }
    String permitName = base + ":" + tryNo;
    if (!flow.needsPermit(options)) {
      return new Decision(permitName, false, 0, false, null, List.of());
    }
    List<String> undeclared = flow.undeclared(options);
    if (!undeclared.isEmpty()) {
      throw ctx.park(new LimiterNotDeclared("run " + ctx.run() + ": step '" + step + "' uses limiter(s) " + undeclared
          + " that this engine does not declare (declared: " + flow.limiterNames() + "); declare them on every instance"
          + " (Stepstream.builder().limiter(Limiter.named(...)...)), restart, and the run resumes (or `stepstream resume "
          + ctx.run() + "`)"));
    }
    JournalEntry permit = ctx.journaled(PERMIT_PREFIX + permitName);
    if (permit == null) {
      if (ctx.journaled(REQUEST_PREFIX + permitName) == null) {
        PermitRequest request = new PermitRequest(step, flow.resources(options.limiters(), options.budgetKey()), options.priority(),
            options.estimatedTokens());
        ctx.record(ctx.newEntry(REQUEST_PREFIX + permitName, EntryKind.PERMIT_REQUEST).setValue(PayloadCodec.encode(request)).build());
      }
      return new Decision(permitName, false, 0, true, null, List.of());
    }
    PermitAnswer answer = PayloadCodec.decode(permit.getValue(), PermitAnswer.class);
    if (!permit.getSucceeded()) {
      if (PermitAnswer.BUDGET_EXCEEDED.equals(answer.refusal())) {
        Budget budget = new Budget(answer.maxTokens(), answer.maxCost());
        return new Decision(permitName, false, 0, false,
            new BudgetExceededException(step, answer.budgetKey(), new Usage(answer.usedTokens(), 0, answer.usedCost()), budget), List.of());
      }
      throw ctx.park(new LimiterNotDeclared("run " + ctx.run() + ": the permit of step '" + step + "' was refused: " + answer.message()));
    }
    return new Decision(permitName, true, 0, false, null, answer.held());
  }

  /** The provider's Retry-After, if the attempt failed with it (also wrapped). */
  static RateLimitedException rateLimited(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RateLimitedException limited) {
        return limited;
      }
    }
    return null;
  }

  /** The entry that ends a try: releases its permit (if any), with the usage it reported, and the Retry-After if it was rate limited. */
  JournalEntry release(String step, int attempt, String permitName, List<String> held, StepOptions options, Usage usage,
      RateLimitedException limited, long retryAt) {
    String budgetKey = options != null && flow.budgetFor(options.budgetKey()) != null ? options.budgetKey() : null;
    JournalEntry.Builder entry = ctx.newEntry(RELEASE_PREFIX + permitName, EntryKind.PERMIT_RELEASE)
        .setAttempt(attempt)
        .setValue(PayloadCodec.encode(new PermitRelease(held, budgetKey, step)));
    if (usage != null && !usage.equals(Usage.ZERO)) {
      entry.setUsage(new StepUsage(usage.inputTokens(), usage.outputTokens(), usage.cost()));
    }
    if (limited != null) {
      entry.setSucceeded(false).setDueAt(retryAt).setError(ErrorInfo.newBuilder().setType(RATE_LIMITED)
          .setMessage(limited.getMessage() == null ? "rate limited" : limited.getMessage()).setStep(step).setAttempt(attempt).build());
    }
    return entry.build();
  }
}
