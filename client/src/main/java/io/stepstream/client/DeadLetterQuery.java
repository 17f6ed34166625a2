package io.stepstream.client;

/**
 * Which dead letters {@link DeadLetters#list} returns, newest first.
 *
 * <pre>{@code
 * DeadLetterPage page = client.deadLetters().list(DeadLetterQuery.newest(50).runId("order-42").code("BAD_TOKEN"));
 * }</pre>
 *
 * @param limit at most this many (1 to 500)
 * @param runId only dead letters of this run (null: any)
 * @param code only this dead-letter code (null: any)
 * @param cursor continue after this page's {@link DeadLetterPage#nextCursor} (null: from the newest)
 */
public record DeadLetterQuery(int limit, String runId, String code, String cursor) {
  public static final int MAX_LIMIT = 500;

  public DeadLetterQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
    }
  }

  /** The newest {@code limit} dead letters. */
  public static DeadLetterQuery newest(int limit) {
    return new DeadLetterQuery(limit, null, null, null);
  }

  public DeadLetterQuery runId(String runId) {
    return new DeadLetterQuery(limit, runId, code, cursor);
  }

  public DeadLetterQuery code(String code) {
    return new DeadLetterQuery(limit, runId, code, cursor);
  }

  /** The page after the one whose {@link DeadLetterPage#nextCursor} this is. */
  public DeadLetterQuery after(String cursor) {
    return new DeadLetterQuery(limit, runId, code, cursor);
  }
}
