/**
 * Sessions (ADR 0017, docs/sessions.md): keyed stateful entities whose exclusive handlers run one
 * turn at a time per key, each turn a run of the internal workflow type {@code session:<type>}.
 * {@link io.stepstream.internal.session.SessionInbox} is the session's side on its home partition
 * (snapshot, queue, current turn); {@link io.stepstream.internal.session.TurnWorkflow} is the turn's
 * side (runs the handler, journals the new state); {@link io.stepstream.internal.session.SessionIds}
 * derives a turn's run id from (type, key, message id).
 */
package io.stepstream.internal.session;
