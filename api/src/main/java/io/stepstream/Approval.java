package io.stepstream;

import java.time.Instant;
import java.util.Optional;

/**
 * A human's decision on an {@link ApprovalRequest} (or its timeout, if the request asked for a
 * timed-out decision instead of an exception).
 *
 * <pre>{@code
 * if (a.approved()) {
 *   Refund refund = a.edited(Refund.class).orElse(proposed);   // "approve with changes"
 * } else {
 *   return Answer.rejected(a.reason());
 * }
 * }</pre>
 */
public final class Approval {
  private final boolean approved;
  private final boolean timedOut;
  private final String approver;
  private final String comment;
  private final String reason;
  private final EncodedValue edited;
  private final Instant decidedAt;

  public Approval(boolean approved, boolean timedOut, String approver, String comment, String reason, EncodedValue edited, Instant decidedAt) {
    this.approved = approved;
    this.timedOut = timedOut;
    this.approver = approver;
    this.comment = comment;
    this.reason = reason;
    this.edited = edited == null ? EncodedValue.NONE : edited;
    this.decidedAt = decidedAt;
  }

  public boolean approved() {
    return approved;
  }

  /** True when the deadline passed before any valid decision. */
  public boolean timedOut() {
    return timedOut;
  }

  /**
   * Who decided: the user verified by the approver's identity token when the engine verifies
   * approvers ({@code Stepstream.Builder.approverIdentity}), otherwise the name the decision gave.
   * Empty for a timeout.
   */
  public String approver() {
    return approver;
  }

  public String comment() {
    return comment;
  }

  /** Why it was rejected (or null). */
  public String reason() {
    return reason;
  }

  /** The approver's corrected version of the request's details, if they sent one. */
  public <T> Optional<T> edited(Class<T> type) {
    return Optional.ofNullable(edited.as(type));
  }

  public Instant decidedAt() {
    return decidedAt;
  }

  @Override
  public String toString() {
    return timedOut ? "Approval{timed out}" : "Approval{" + (approved ? "approved" : "rejected") + " by " + approver
        + (comment == null ? "" : ", comment=" + comment) + (reason == null ? "" : ", reason=" + reason) + "}";
  }
}
