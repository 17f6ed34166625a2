package io.stepstream.client;

/** A dead letter's coordinates in the DLQ topic: partition and offset. */
public record DeadLetterRef(int partition, long offset) {
  @Override
  public String toString() {
    return partition + "@" + offset;
  }
}
