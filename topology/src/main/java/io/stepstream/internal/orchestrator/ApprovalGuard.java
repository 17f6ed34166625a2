package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.approvals.TokenVerdict;
import java.time.Duration;
import java.time.Instant;

/**
 * What a decision must prove before it is applied: the token of the approval it answers (issued
 * here, expiring at the approval's deadline plus a grace). Every refusal names the run, the
 * approval and what to do.
 */
public final class ApprovalGuard {
  /** Tokens outlive their approval's deadline by this much by default: a decision sent just before it still counts. */
  public static final Duration DEFAULT_TOKEN_GRACE = Duration.ofMinutes(15);

  private final ApprovalTokens tokens;
  private final Duration tokenGrace;

  private ApprovalGuard(ApprovalTokens tokens, Duration tokenGrace) {
    this.tokens = tokens;
    this.tokenGrace = tokenGrace;
  }

  public static ApprovalGuard of(ApprovalTokens tokens) {
    return new ApprovalGuard(tokens, DEFAULT_TOKEN_GRACE);
  }

  public ApprovalGuard withTokenGrace(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the approval token grace must not be negative, was " + grace);
    }
    return new ApprovalGuard(tokens, grace);
  }

  public ApprovalTokens tokens() {
    return tokens;
  }

  /** The token published with an approval request: it expires {@code tokenGrace} after the approval's deadline. */
  String issue(String runId, String approvalName, long deadlineMillis) {
    return tokens.sign(runId, approvalName, Instant.ofEpochMilli(deadlineMillis).plus(tokenGrace));
  }

  void checkToken(ApprovalDecision decision, String runId, long nowMillis) throws DecisionRefused {
    String name = decision.getApprovalName();
    TokenVerdict verdict = tokens.check(decision.getToken(), runId, name, Instant.ofEpochMilli(nowMillis));
    if (verdict.valid()) {
      return;
    }
    String what = "the decision for approval '" + name + "' of run " + runId + " was not applied: its token " + verdict.detail() + "; ";
    switch (verdict.status()) {
      case UNKNOWN_KEY -> throw new DecisionRefused("TOKEN_UNKNOWN_KEY", what
          + "if that key was rotated out while approvals it signed were pending, add it back with approvalVerificationKey(...)"
          + " and re-send the decision from the DLQ; a new key must be on every instance before any signs with it");
      case EXPIRED -> throw new DecisionRefused("TOKEN_EXPIRED", what
          + "tokens expire " + tokenGrace + " after the approval's deadline; if the run still waits, send the decision with the token"
          + " of its current approval request");
      case WRONG_APPROVAL -> throw new DecisionRefused("TOKEN_WRONG_APPROVAL", what
          + "copy the token of approval '" + name + "' of run " + runId + " from the approval-requests topic (stepstream approvals lists it)");
      case LEGACY_REFUSED -> throw new DecisionRefused("TOKEN_LEGACY_REFUSED", what
          + "send the decision with the token of the current approval request, or accept old-format tokens again (acceptLegacyApprovalTokens(true))");
      default -> throw new DecisionRefused("BAD_TOKEN", what
          + "copy the token from its approval request on the approval-requests topic (stepstream approvals lists it)");
    }
  }
}
