package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.approvals.TokenVerdict;
import io.stepstream.internal.identity.IdentityRejected;
import io.stepstream.internal.identity.JwtApproverVerifier;
import io.stepstream.internal.identity.VerifiedApprover;
import java.time.Duration;
import java.time.Instant;

/**
 * What a decision must prove before it is applied: the token of the approval it answers (issued
 * here, expiring at the approval's deadline plus a grace), and, if approvers are verified, an
 * identity token (JWT) saying who decides. Every refusal names the run, the approval and what to do.
 */
public final class ApprovalGuard {
  /** Tokens outlive their approval's deadline by this much by default: a decision sent just before it still counts. */
  public static final Duration DEFAULT_TOKEN_GRACE = Duration.ofMinutes(15);

  private final ApprovalTokens tokens;
  private final Duration tokenGrace;
  private final JwtApproverVerifier identity;

  private ApprovalGuard(ApprovalTokens tokens, Duration tokenGrace, JwtApproverVerifier identity) {
    this.tokens = tokens;
    this.tokenGrace = tokenGrace;
    this.identity = identity;
  }

  public static ApprovalGuard of(ApprovalTokens tokens) {
    return new ApprovalGuard(tokens, DEFAULT_TOKEN_GRACE, null);
  }

  public ApprovalGuard withTokenGrace(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the approval token grace must not be negative, was " + grace);
    }
    return new ApprovalGuard(tokens, grace, identity);
  }

  /** Approvers are who their identity token says; a decision without a valid one is refused. */
  public ApprovalGuard withIdentity(JwtApproverVerifier verifier) {
    return new ApprovalGuard(tokens, tokenGrace, verifier);
  }

  public ApprovalTokens tokens() {
    return tokens;
  }

  /** When the token of an approval without a deadline expires: never, in practice (the last second of year 9999). */
  static final Instant NO_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

  /** The token published with an approval request: it expires {@code tokenGrace} after the approval's deadline (never without one). */
  public String issue(String runId, String approvalName, long deadlineMillis) {
    // no deadline (0): the token outlives any wait; it stops counting once the approval is decided or its run ends
    Instant expiry = deadlineMillis == 0 ? NO_EXPIRY : Instant.ofEpochMilli(deadlineMillis).plus(tokenGrace);
    return tokens.sign(runId, approvalName, expiry);
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

  /**
   * Who decides: the identity token's user and groups, verified as of {@code atMillis} (when the
   * decision arrived); or, if approvers are not verified here, the decision's own approver and groups.
   */
  Approver approver(ApprovalDecision decision, String runId, long atMillis) throws DecisionRefused {
    if (identity == null) {
      return new Approver(decision.getApprover(), decision.getApproverGroups(), false);
    }
    String what = "the decision for approval '" + decision.getApprovalName() + "' of run " + runId + " was not applied: ";
    String send = "send the approver's JWT from " + identity.issuer() + " (audience '" + identity.audience()
        + "') in the decision's identityToken field (WorkflowClient: Decision.identityToken(jwt))";
    String jwt = decision.getIdentityToken();
    if (jwt == null || jwt.isBlank()) {
      throw new DecisionRefused("IDENTITY_MISSING", what + "it carries no identity token, and this engine verifies approvers; " + send);
    }
    try {
      VerifiedApprover who = identity.verify(jwt, Instant.ofEpochMilli(atMillis));
      return new Approver(who.username(), who.groups(), true);
    } catch (IdentityRejected e) {
      throw new DecisionRefused("IDENTITY_" + e.reason(), what + "its identity token " + e.getMessage() + "; " + send
          + ", signed by a key in the JWKS the engine is configured with");
    }
  }

  boolean verifiesApprovers() {
    return identity != null;
  }
}
