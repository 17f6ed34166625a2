package io.stepstream.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.NonRetryableStepException;
import io.stepstream.SessionType;
import io.stepstream.Turn;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.internal.codec.PayloadCodec;

/**
 * The workflow behind every turn of one session type: binds state and message, runs the exclusive
 * handler (a durable execution like any workflow), then journals the new state as the step {@value
 * SessionIds#STATE_STEP} and returns the reply. The session's home reads that entry when the run
 * completes; a turn that does not complete leaves the stored state as it was.
 */
public final class TurnWorkflow<S> implements Workflow<TurnInput, Object> {
  private final SessionType<S> type;

  public TurnWorkflow(SessionType<S> type) {
    this.type = type;
  }

  @Override
  public Object run(WorkflowContext ctx, TurnInput in) throws Exception {
    S state = state(in.state());
    if (in.shared()) {
      SessionType.SharedHandler<S, ?> shared = type.sharedHandlers().get(in.handler());
      if (shared == null) {
        throw new IllegalArgumentException("session type '" + type.name() + "' has no shared handler '" + in.handler() + "'");
      }
      return shared.query(state);
    }
    SessionType.Exclusive<S, ?, ?> handler = type.exclusiveHandlers().get(in.handler());
    if (handler == null) {
      throw new IllegalArgumentException("session type '" + type.name() + "' has no exclusive handler '" + in.handler()
          + "' (known: " + type.exclusiveHandlers().keySet() + ")");
    }
    return turn(ctx, handler, state, in.message());
  }

  private <M, R> Object turn(WorkflowContext ctx, SessionType.Exclusive<S, M, R> handler, S state, JsonNode message) throws Exception {
    M bound = message == null || message.isNull() || handler.messageType() == Void.class
        ? null : PayloadCodec.json().treeToValue(message, handler.messageType());
    Turn<S, R> result = handler.body().handle(ctx, state, bound);
    if (result == null) {
      throw new NonRetryableStepException("the handler of session type '" + type.name() + "' returned null; return Turn.of(state, reply)");
    }
    JsonNode next = PayloadCodec.json().valueToTree(result.state());
    ctx.step(SessionIds.STATE_STEP, JsonNode.class, s -> next);
    return result.reply();
  }

  private S state(JsonNode stored) throws Exception {
    if (stored == null || stored.isNull()) {
      return type.initialState();
    }
    return PayloadCodec.json().treeToValue(stored, type.stateType());
  }
}
