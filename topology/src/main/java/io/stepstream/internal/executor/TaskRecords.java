package io.stepstream.internal.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.EmittedRecord;
import io.stepstream.avro.JournalEntry;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The records of remote tasks ({@code ctx.task}, ADR 0024) and the journal names behind them. The
 * wire format is documented in docs/clients.md "Remote tasks"; workers in other languages read and
 * write exactly these fields, so change them only compatibly (add fields; readers ignore unknown ones).
 *
 * <p>Per attempt {@code n} of task step {@code s} the journal holds:
 * <ul>
 *   <li>{@code $task-record:s#n} (EMIT): the task record, written by the orchestrator in the
 *       transaction that journals it, so exactly once per attempt;
 *   <li>{@code $promise-wait:$task:s#n} (PROMISE): the wait, its {@code dueAt} the attempt's current
 *       deadline (a heartbeat moves it) and its value a {@link Wait};
 *   <li>{@code $promise:$task:s#n} (PROMISE): the outcome, the first of: the worker's completion or
 *       failure, or the timeout (the durable-promise machinery: the task id is the promise id);
 *   <li>{@code $task-cancel:s#n} (EMIT): the cancel notice, when the attempt timed out or the run
 *       ended before it was settled;
 *   <li>{@code $task-backoff:s#n} (SLEEP): the wait before attempt {@code n + 1}.
 * </ul>
 */
public final class TaskRecords {
  /** Names of the promises behind task attempts: {@code $task:<step>#<attempt>}. */
  public static final String PROMISE_PREFIX = "$task:";
  /** The durable-promise names the attempts live under (see {@code Promises}). */
  public static final String WAIT_PREFIX = Promises.WAIT_PREFIX;
  public static final String SETTLED_PREFIX = Promises.SETTLED_PREFIX;
  static final String RECORD_PREFIX = "$task-record:";
  public static final String CANCEL_PREFIX = "$task-cancel:";
  static final String BACKOFF_PREFIX = "$task-backoff:";
  /** Header with the task id on task records and cancel notices. */
  public static final String TASK_ID_HEADER = "stepstream.task-id";
  /** Error type of an attempt nobody completed before its deadline (or heartbeat deadline). */
  public static final String TIMEOUT = "TASK_TIMEOUT";
  /** Error type of a worker's result that does not decode as the step's declared type. */
  public static final String UNDECODABLE_RESULT = "TASK_RESULT_UNDECODABLE";

  private TaskRecords() {}

  /** What the orchestrator needs to know of an attempt's wait: the hard deadline and the heartbeat interval. */
  public record Wait(String queue, String step, int attempt, long deadline, Long heartbeatTimeoutMs) {
    /** The wait's deadline after a heartbeat at {@code now}; null if this task asked for no heartbeats. */
    public Long extendedAt(long now) {
      return heartbeatTimeoutMs == null ? null : Math.min(deadline, now + heartbeatTimeoutMs);
    }
  }

  static String key(String step, int attempt) {
    return step + "#" + attempt;
  }

  static String promiseName(String step, int attempt) {
    return PROMISE_PREFIX + key(step, attempt);
  }

  /** The wait of a task attempt, if {@code entry} is one. */
  public static Wait waitOf(JournalEntry entry) {
    if (entry == null || entry.getValue() == null || !entry.getName().startsWith(Promises.WAIT_PREFIX + PROMISE_PREFIX)) {
      return null;
    }
    return PayloadCodec.decode(entry.getValue(), Wait.class);
  }

  static EmittedRecord task(String topic, String taskId, String runId, String workflowType, Wait wait, int maxAttempts,
      String idempotencyKey, Object input, long dispatchedAt) {
    ObjectNode json = PayloadCodec.json().createObjectNode();
    json.put("taskId", taskId);
    json.put("queue", wait.queue());
    json.put("runId", runId);
    json.put("workflowType", workflowType);
    json.put("step", wait.step());
    json.put("attempt", wait.attempt());
    json.put("maxAttempts", maxAttempts);
    json.put("idempotencyKey", idempotencyKey);
    json.set("input", inputJson(runId, wait.step(), input));
    json.put("dispatchedAt", dispatchedAt);
    json.put("deadline", wait.deadline());
    if (wait.heartbeatTimeoutMs() == null) {
      json.putNull("heartbeatTimeoutMs");
    } else {
      json.put("heartbeatTimeoutMs", wait.heartbeatTimeoutMs());
    }
    return record(topic, taskId, json);
  }

  /** Why an attempt no longer counts, for workers holding it. */
  public static EmittedRecord cancelNotice(String topic, String taskId, String runId, Wait wait, String reason) {
    ObjectNode json = PayloadCodec.json().createObjectNode();
    json.put("taskId", taskId);
    json.put("runId", runId);
    json.put("queue", wait.queue());
    json.put("step", wait.step());
    json.put("attempt", wait.attempt());
    json.put("reason", reason);
    return record(topic, taskId, json);
  }

  private static JsonNode inputJson(String runId, String step, Object input) {
    try {
      return PayloadCodec.json().valueToTree(input);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("run " + runId + ": the input of task '" + step + "' (a " + input.getClass().getName()
          + ") cannot be written as JSON: " + e.getMessage() + "; pass a String, a record/POJO Jackson can serialize, or null", e);
    }
  }

  private static EmittedRecord record(String topic, String taskId, ObjectNode json) {
    byte[] bytes;
    try {
      bytes = PayloadCodec.json().writeValueAsBytes(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a task record did not serialize: " + e.getMessage(), e); // a tree of plain nodes always does
    }
    return EmittedRecord.newBuilder()
        .setTopic(topic)
        .setKey(taskId)
        .setValue(ByteBuffer.wrap(bytes))
        .setHeaders(Map.of(TASK_ID_HEADER, taskId, "content-type", "application/json"))
        .build();
  }
}
