package io.stepstream.internal.executor;

import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunCompletion;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.payloads.PayloadTooLargeException;

/**
 * A run's output on its way to the results topic: above the claim-check threshold (or too large for
 * the record) it is stored and the completion carries a reference; above the hard limit the run
 * fails with {@link LargeValues#PAYLOAD_TOO_LARGE} instead.
 */
final class RunOutputs {
  private RunOutputs() {}

  static RunCompletion claimChecked(LargeValues large, RunCompletion completion, int maxOutcomeBytes, String runId) {
    Payload output = completion.getOutput();
    if (output == null || output.getClaimCheck() != null) {
      return completion;
    }
    try {
      // the outcome around the output (entries, error) is small: leave it a quarter of the record
      boolean mustOffload = output.getData().remaining() > maxOutcomeBytes - maxOutcomeBytes / 4;
      Payload stored = large.store(output, mustOffload);
      return stored == output ? completion : RunCompletion.newBuilder(completion).setOutput(stored).build();
    } catch (PayloadTooLargeException e) {
      return RunCompletion.newBuilder().setStatus(RunStatus.FAILED)
          .setError(ErrorInfo.newBuilder().setType(LargeValues.PAYLOAD_TOO_LARGE).setMessage(large.tooLarge("the output", e)).build())
          .build();
    }
  }
}
