package io.stepstream.internal.executor;

import io.stepstream.StepFunction;
import io.stepstream.internal.executor.AttemptRunner.Attempt;
import io.stepstream.internal.executor.AttemptRunner.Limits;
import java.time.Clock;

/**
 * Where {@link ReplayContext} runs a step attempt's body: for real ({@link #LIVE}), or, when a
 * recorded history is replayed against new code ({@link HistoryReplay}), nowhere: a replay must never
 * call a tool, so reaching a step the history lacks ends the replay there.
 */
interface StepRunner {
  StepRunner LIVE = AttemptRunner::run;

  <T> Attempt<T> run(StepFunction<T> fn, StepAttemptContext context, Limits limits, Clock clock) throws InterruptedException;
}
