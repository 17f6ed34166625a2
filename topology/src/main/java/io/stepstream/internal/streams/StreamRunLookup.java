package io.stepstream.internal.streams;

import io.stepstream.internal.query.RunQueries;
import io.stepstream.internal.query.Unavailable;

/** Whether a run exists, from the engine's query API (the owning instance answers, others forward). */
public final class StreamRunLookup {
  private StreamRunLookup() {}

  public static StreamRoute.RunLookup of(RunQueries queries) {
    return (runId, passHeaders) -> {
      try {
        int status = queries.describe(runId, passHeaders, false).status();
        return status == 200 ? StreamRoute.Known.YES : status == 404 ? StreamRoute.Known.NO : StreamRoute.Known.UNAVAILABLE;
      } catch (RunQueries.NoSuchRun e) {
        return StreamRoute.Known.NO;
      } catch (Unavailable e) {
        return StreamRoute.Known.UNAVAILABLE;
      }
    };
  }
}
