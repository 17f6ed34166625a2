package io.stepstream.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a {@link HttpRoute} answers: status, content type, body and extra headers. A {@code null}
 * body with status 0 means the route wrote the response itself (streams such as server-sent
 * events): {@link #handled()}.
 */
public record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
  public static final String JSON = "application/json";
  public static final String TEXT = "text/plain; charset=utf-8";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static HttpReply text(int status, String body) {
    return new HttpReply(status, TEXT, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** {@code value} written with Jackson (records, maps, lists); a String is sent as it is. */
  public static HttpReply json(int status, Object value) {
    try {
      byte[] body = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : MAPPER.writeValueAsBytes(value);
      return new HttpReply(status, JSON, body, Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write the HTTP answer as JSON: " + e.getMessage(), e);
    }
  }

  public static HttpReply bytes(int status, String contentType, byte[] body) {
    return new HttpReply(status, contentType, body, Map.of());
  }

  /** The route wrote the response itself through {@link HttpCall#exchange()}. */
  public static HttpReply handled() {
    return new HttpReply(0, null, null, Map.of());
  }

  public boolean isHandled() {
    return status == 0 && body == null;
  }

  /**
   * The route handed the exchange to a thread of its own, which answers and closes it (long
   * streams that must not hold one of the endpoint's few threads).
   */
  public static HttpReply detached() {
    return new HttpReply(-1, null, null, Map.of());
  }

  public boolean isDetached() {
    return status == -1 && body == null;
  }

  public HttpReply withHeader(String name, String value) {
    Map<String, String> more = new java.util.LinkedHashMap<>(headers);
    more.put(name, value);
    return new HttpReply(status, contentType, body, Map.copyOf(more));
  }
}
