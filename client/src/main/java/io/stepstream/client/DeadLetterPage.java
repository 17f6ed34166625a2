package io.stepstream.client;

import java.util.List;

/**
 * One page of dead letters, newest first.
 *
 * @param deadLetters the dead letters of this page
 * @param nextCursor pass it to {@link DeadLetterQuery#after} for the next page; null on the last page
 */
public record DeadLetterPage(List<DeadLetterView> deadLetters, String nextCursor) {
  public DeadLetterPage {
    deadLetters = List.copyOf(deadLetters);
  }
}
