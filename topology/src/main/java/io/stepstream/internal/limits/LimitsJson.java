package io.stepstream.internal.limits;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * JSON of the limits and grants topics and of the coordinator's store. Internal records between
 * instances of one engine; unknown fields are ignored, so a field added later does not break an
 * instance that does not know it yet (ADR 0019).
 */
public final class LimitsJson {
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private LimitsJson() {}

  public static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + value + ": " + e.getMessage(), e);
    }
  }

  public static String text(Object value) {
    return new String(bytes(value), java.nio.charset.StandardCharsets.UTF_8);
  }

  public static <T> T read(byte[] data, Class<T> type) {
    try {
      return JSON.readValue(data, type);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  public static <T> T read(String data, Class<T> type) {
    return read(data.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
  }
}
