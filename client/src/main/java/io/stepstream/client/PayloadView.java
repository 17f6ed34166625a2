package io.stepstream.client;

import io.stepstream.EncodedValue;

/**
 * A payload as a query shows it (a run's input or result, a step's value, approval details): its
 * encoding, the JSON when it is JSON (Avro values the engine can decode are shown as Avro's JSON
 * form), a short readable text, and its size.
 *
 * <pre>{@code
 * client.describe("order-42").ifPresent(run -> {
 *   Order order = run.input().as(Order.class);     // JSON decoded with Jackson
 *   System.out.println(run.input().text());        // {"item":"book","quantity":2}
 * });
 * }</pre>
 *
 * @param encoding {@code json} or {@code avro}
 * @param json the value as JSON text, or null when it cannot be shown as JSON
 * @param text a readable form, cut at 200 characters
 * @param bytes the encoded size
 */
public record PayloadView(String encoding, String json, String text, long bytes) implements EncodedValue {
  /**
   * The value decoded from its JSON as {@code type} (Jackson, unknown fields ignored).
   *
   * <pre>{@code
   * Receipt receipt = client.describe("order-42").orElseThrow().result().as(Receipt.class);
   * }</pre>
   *
   * @throws IllegalStateException when the value has no JSON form or does not decode as {@code type}
   */
  @Override
  public <T> T as(Class<T> type) {
    if (json == null) {
      throw new IllegalStateException("this " + encoding + " value (" + text + ") has no JSON form to decode as " + type.getName()
          + "; decode it where its Avro class is known");
    }
    return io.stepstream.internal.client.EngineJson.decode(json, type);
  }
}
