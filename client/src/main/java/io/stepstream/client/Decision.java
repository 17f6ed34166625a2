package io.stepstream.client;

import java.util.List;
import java.util.Objects;

/**
 * A decision on an approval a run waits for, sent with {@link WorkflowClient#decide(Decision)}.
 * Immutable; every setter returns a copy.
 *
 * <pre>{@code
 * // An approval UI whose users sign in with the team's identity provider: the engine verifies the
 * // token and takes the approver's name and groups from it (Stepstream.Builder.approverIdentity),
 * // so nothing here is self-asserted.
 * client.decide(Decision.approve("r-42", "refund-review")
 *     .identityToken(signedInUser.idToken())     // the JWT, as the identity provider issued it
 *     .comment("ok, half")
 *     .edited(new Refund("ada", 210)));          // "approve with changes"
 *
 * // An engine that does not verify approvers takes the name and groups as given:
 * client.decide(Decision.reject("r-42", "refund-review", "fraud suspected").approver("alice").groups("support-leads"));
 * }</pre>
 *
 * <p>The approval token is added by the client: copied from the run's approval request, or signed
 * if the client holds an approval key ({@link WorkflowClient.Builder#approvalSigningKey}).
 */
public final class Decision {
  private final String runId;
  private final String approvalName;
  private final boolean approved;
  private final String approver;
  private final List<String> groups;
  private final String comment;
  private final String reason;
  private final Object edited;
  private final String identityToken;

  private Decision(String runId, String approvalName, boolean approved, String approver, List<String> groups, String comment,
      String reason, Object edited, String identityToken) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.approvalName = Objects.requireNonNull(approvalName, "approvalName");
    this.approved = approved;
    this.approver = approver == null ? "" : approver;
    this.groups = groups == null ? List.of() : List.copyOf(groups);
    this.comment = comment;
    this.reason = reason;
    this.edited = edited;
    this.identityToken = identityToken;
  }

  public static Decision approve(String runId, String approvalName) {
    return new Decision(runId, approvalName, true, "", List.of(), null, null, null, null);
  }

  public static Decision reject(String runId, String approvalName, String reason) {
    return new Decision(runId, approvalName, false, "", List.of(), null, reason, null, null);
  }

  /**
   * Who decides, as the workflow will see it ({@code Approval.approver()}) when the engine does not
   * verify approvers; ignored by one that does (it uses the identity token's name).
   */
  public Decision approver(String name) {
    return new Decision(runId, approvalName, approved, name, groups, comment, reason, edited, identityToken);
  }

  /** The approver's groups, matched against the request's groups; ignored by an engine that verifies approvers. */
  public Decision groups(String... names) {
    return groups(List.of(names));
  }

  public Decision groups(List<String> names) {
    return new Decision(runId, approvalName, approved, approver, names, comment, reason, edited, identityToken);
  }

  public Decision comment(String text) {
    return new Decision(runId, approvalName, approved, approver, groups, text, reason, edited, identityToken);
  }

  /** Approve with changes: the corrected version of the request's details (any record/POJO or Avro type). */
  public Decision edited(Object value) {
    return new Decision(runId, approvalName, approved, approver, groups, comment, reason, value, identityToken);
  }

  /**
   * The approver's JWT from the team's identity provider (an OpenID Connect ID token or access
   * token whose audience is the one the engine expects). The engine checks its signature, expiry,
   * issuer and audience, and that its user or one of its groups may decide this approval. It is a
   * bearer credential: it travels in the decision record, so keep read access to the approvals topic
   * to the engine, and keep the tokens short-lived.
   */
  public Decision identityToken(String jwt) {
    return new Decision(runId, approvalName, approved, approver, groups, comment, reason, edited, jwt);
  }

  public String runId() {
    return runId;
  }

  public String approvalName() {
    return approvalName;
  }

  public boolean approved() {
    return approved;
  }

  public String approver() {
    return approver;
  }

  public List<String> groups() {
    return groups;
  }

  public String comment() {
    return comment;
  }

  public String reason() {
    return reason;
  }

  public Object edited() {
    return edited;
  }

  public String identityToken() {
    return identityToken;
  }

  /** Never shows the identity token (a credential). */
  @Override
  public String toString() {
    return "Decision{" + (approved ? "approve" : "reject") + " " + runId + "/" + approvalName
        + (approver.isEmpty() ? "" : " by " + approver) + (identityToken == null ? "" : " with an identity token")
        + (reason == null ? "" : ", reason=" + reason) + "}";
  }
}
