package io.stepstream.internal.codec;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.avro.WorkflowResult;
import java.time.Instant;

/** The results topic's Avro envelope as the API's {@link RunResult}: no generated type reaches users. */
public final class Results {
  private Results() {}

  public static RunResult toRunResult(WorkflowResult raw) {
    return toRunResult(raw, io.stepstream.internal.payloads.PayloadResolver.NONE);
  }

  /** With a claim-checked output read through {@code payloads} when asked for (docs/large-payloads.md). */
  public static RunResult toRunResult(WorkflowResult raw, io.stepstream.internal.payloads.PayloadResolver payloads) {
    var error = raw.getError();
    return new RunResult(
        raw.getRunId(),
        raw.getWorkflowType(),
        status(raw.getStatus()),
        io.stepstream.internal.payloads.ClaimCheckedValue.of(raw.getOutput(), payloads),
        error == null ? null : error.getStep(),
        error == null ? null : error.getType(),
        error == null ? null : error.getMessage(),
        error == null ? null : PayloadValue.of(error.getDetails()),
        Instant.ofEpochMilli(raw.getStartedAt()),
        Instant.ofEpochMilli(raw.getFinishedAt()),
        usage(raw.getUsage()));
  }

  /** The journal's and results' usage record as the API's {@link io.stepstream.Usage}; {@code ZERO} for none. */
  public static io.stepstream.Usage usage(io.stepstream.avro.StepUsage usage) {
    return usage == null ? io.stepstream.Usage.ZERO : new io.stepstream.Usage(usage.getInputTokens(), usage.getOutputTokens(), usage.getCost());
  }

  /** The two enums share their symbols; a symbol added to the schema must be added to the API too (this fails loudly if not). */
  public static RunStatus status(io.stepstream.avro.RunStatus status) {
    return RunStatus.valueOf(status.name());
  }
}
