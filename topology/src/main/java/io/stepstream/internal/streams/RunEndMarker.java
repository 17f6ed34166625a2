package io.stepstream.internal.streams;

import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.client.streams.StreamRecord;
import io.stepstream.internal.client.streams.StreamRecords;

/**
 * The {@code run-end} record the orchestrator writes to {@code <prefix>.streams} with every result,
 * in the same EOS transaction: exactly once, after every record the run's step attempts streamed
 * (each attempt waits for its own records' acknowledgement before the run can go on), so a
 * follower that reads up to it has the whole stream.
 */
public final class RunEndMarker {
  private RunEndMarker() {}

  public static byte[] of(WorkflowResult result, long now) {
    return StreamRecords.encode(StreamRecord.runEnd(result.getRunId(), result.getStatus().name(), now));
  }
}
