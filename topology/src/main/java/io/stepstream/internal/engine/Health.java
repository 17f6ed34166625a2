package io.stepstream.internal.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One health answer: up or not, the state it was judged on (Kafka Streams' state, or the engine's
 * own phase such as {@code STARTING}), and why, for the person reading a failed probe.
 */
public record Health(boolean up, String state, String reason) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static Health up(String state, String reason) {
    return new Health(true, state, reason);
  }

  public static Health down(String state, String reason) {
    return new Health(false, state, reason);
  }

  /** {@code {"status":"UP","state":"RUNNING","reason":"..."}} */
  public String json() {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("status", up ? "UP" : "DOWN");
    body.put("state", state);
    body.put("reason", reason);
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
