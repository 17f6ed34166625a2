package io.stepstream.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.MessagePolicy;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * A record of the sessions topic, read strictly. Two kinds:
 *
 * <pre>
 * a message (any producer; key = the session key):
 *   {"sessionType":"agent-session","handler":"add-message","messageId":"m-1","payload":{...},"policy":"ENQUEUE"}
 *   (payload optional: null; policy optional: ENQUEUE | REJECT | INTERRUPT)
 * a turn's end (the engine only; key = the session key):
 *   {"turnEnded":{"runId":"agent-session/conv-1#m-1","status":"COMPLETED","state":{...}}}
 * </pre>
 */
public sealed interface SessionMessage {
  Set<String> MESSAGE_FIELDS = Set.of("sessionType", "handler", "messageId", "payload", "policy");
  String FORMAT = "{\"sessionType\":\"...\",\"handler\":\"...\",\"messageId\":\"...\",\"payload\":{...},\"policy\":\"ENQUEUE|REJECT|INTERRUPT\"}"
      + " keyed by the session key";

  /** A message for a handler. */
  record Inbound(String sessionType, String handler, String messageId, JsonNode payload, MessagePolicy policy) implements SessionMessage {}

  /** A turn run ended (written by the engine on the run's partition, read on the session's). */
  record TurnEnded(String runId, String status, JsonNode state) implements SessionMessage {}

  static SessionMessage decode(byte[] value) {
    if (value == null) {
      throw new InvalidInputException("EMPTY_SESSION_MESSAGE", "a session message has no value; send " + FORMAT);
    }
    JsonNode json;
    try {
      json = PayloadCodec.exactTree(value);
    } catch (Exception e) {
      throw new InvalidInputException("UNDECODABLE_SESSION_MESSAGE", "a session message is not JSON (" + e.getMessage() + "); send " + FORMAT);
    }
    if (json == null || !json.isObject()) {
      throw new InvalidInputException("UNDECODABLE_SESSION_MESSAGE", "a session message must be a JSON object; send " + FORMAT);
    }
    if (json.has("turnEnded")) {
      JsonNode t = json.get("turnEnded");
      return new TurnEnded(text(t, "runId"), text(t, "status"), t.get("state"));
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!MESSAGE_FIELDS.contains(name)) {
        throw new InvalidInputException("INVALID_SESSION_MESSAGE", "unknown field \"" + name + "\" in a session message; send " + FORMAT);
      }
    }
    MessagePolicy policy = MessagePolicy.ENQUEUE;
    if (json.hasNonNull("policy")) {
      try {
        policy = MessagePolicy.valueOf(text(json, "policy").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("INVALID_SESSION_MESSAGE", "\"policy\" must be ENQUEUE, REJECT or INTERRUPT, was "
            + json.get("policy"));
      }
    }
    return new Inbound(text(json, "sessionType"), text(json, "handler"), text(json, "messageId"), json.get("payload"), policy);
  }

  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      throw new InvalidInputException("INVALID_SESSION_MESSAGE", "a session message needs \"" + field + "\" as a non-blank string; send "
          + FORMAT);
    }
    return node.asText();
  }
}
