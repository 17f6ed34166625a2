package io.stepstream;

/**
 * A value the engine carried for you (a run's output, an approver's edited details), decoded only
 * when you ask for it with the type you expect: JSON (Jackson) for records and POJOs, Avro for
 * generated Avro types.
 *
 * <pre>{@code
 * Receipt receipt = result.output(Receipt.class);   // RunResult delegates to an EncodedValue
 * }</pre>
 */
public interface EncodedValue {
  /** A value that holds nothing: {@link #as} returns null. */
  EncodedValue NONE =
      new EncodedValue() {
        @Override
        public <T> T as(Class<T> type) {
          return null;
        }

        @Override
        public String text() {
          return "null";
        }

        @Override
        public String toString() {
          return "none";
        }
      };

  /**
   * The value decoded as {@code type}, or null if there is none.
   *
   * @throws RuntimeException if it cannot be decoded as {@code type} (the message names both)
   */
  <T> T as(Class<T> type);

  /** The value as text (JSON for records/POJOs), for logs and tools. */
  String text();
}
