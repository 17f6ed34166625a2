package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.WorkflowRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads a record of the requests topic in either form:
 *
 * <ul>
 *   <li>Avro single-object encoding of {@code WorkflowRequest} or {@code RunCommand} (what {@code
 *       WorkflowClient} writes);
 *   <li>JSON, so a console producer can start, cancel or resume a run, keyed by the run id. Only these
 *       fields are accepted (required ones marked); any other field is refused, naming it:
 *       <pre>
 * start:  {"workflowType":"order",                                     (required)
 *          "input":{"item":"tea"}, "runId":"order-42", "requestedAt":1767225600000}
 * cancel: {"command":"cancel"|"resume"|"terminate"|"restart"|"resume-parked",   (required)
 *          "reason":"customer changed their mind", "runId":"order-42", "commandId":"c-1",
 *          "requestedBy":"ops", "requestedAt":1767225600000,
 *          "fromStep":"charge",          (restart: required)
 *          "workflowType":"order"}       (resume-parked: only runs of this type)</pre>
 *       {@code input} is any JSON value; it is bound to the workflow's input type when the run
 *       starts (an Avro-encoded input is <code>{"$avro": "&lt;base64 of its single-object bytes&gt;"}</code>).
 *       {@code runId} defaults to the record key;
 *   <li>the schema-registry wire format ({@code 00}, schema id, Avro body) of either envelope, with a
 *       registry configured.
 * </ul>
 */
public final class RequestDecoder {
  static final List<String> REQUEST_FIELDS = List.of("workflowType", "input", "runId", "requestedAt");
  static final List<String> COMMAND_FIELDS =
      List.of("command", "reason", "runId", "commandId", "requestedBy", "requestedAt", "fromStep", "workflowType");

  private static final String REQUEST_JSON = "{\"workflowType\":\"...\",\"input\":{...}} keyed by the run id";

  private RequestDecoder() {}

  /** What a record on the requests topic asks for. */
  public sealed interface Inbound permits Start, Command {}

  /** Start a run. */
  public record Start(WorkflowRequest request) implements Inbound {}

  /** Act on an existing run (cancel, resume). */
  public record Command(RunCommand command) implements Inbound {}

  /** Decodes a start request; anything else is invalid here. */
  public static WorkflowRequest decode(byte[] value) {
    Inbound inbound = decodeInbound(value);
    if (inbound instanceof Start start) {
      return start.request();
    }
    throw new InvalidInputException("INVALID_REQUEST", "expected a workflow request, got a command");
  }

  /** Decodes a record of the requests topic in single-object Avro or JSON (a registry-framed one is refused: no registry). */
  public static Inbound decodeInbound(byte[] value) {
    return decodeInbound(value, EnvelopeReader.withoutRegistry());
  }

  /** Decodes a record of the requests topic in any of the three wire formats; {@code reader} looks registry schema ids up. */
  public static Inbound decodeInbound(byte[] value, EnvelopeReader reader) {
    if (value == null || value.length == 0) {
      throw new InvalidInputException("EMPTY_REQUEST", "the request value is empty (a tombstone?)");
    }
    if (EnvelopeReader.isRegistryFramed(value)) {
      org.apache.avro.Schema writer = reader.registryInputSchema(value, "UNDECODABLE_REQUEST");
      return writer.getFullName().equals(RunCommand.getClassSchema().getFullName())
          ? new Command(reader.registryInput(value, writer, RunCommand.getClassSchema(), "UNDECODABLE_COMMAND"))
          : new Start(reader.registryInput(value, writer, WorkflowRequest.getClassSchema(), "UNDECODABLE_REQUEST"));
    }
    if (Envelopes.looksLikeAvro(value)) {
      return Envelopes.isCommand(value)
          ? new Command(Envelopes.decodeInput(RunCommand.getClassSchema(), value, "UNDECODABLE_COMMAND", "{\"command\":\"cancel\"}"))
          : new Start(Envelopes.decodeInput(WorkflowRequest.getClassSchema(), value, "UNDECODABLE_REQUEST", REQUEST_JSON));
    }
    if (firstNonBlank(value) == '{') {
      JsonNode node = parse(value);
      return node.has("command") ? new Command(commandFromJson(node)) : new Start(fromJson(node));
    }
    throw new InvalidInputException(
        "UNDECODABLE_REQUEST",
        "the request is neither JSON, an Avro single-object encoded WorkflowRequest nor one in the schema-registry wire format; send "
            + REQUEST_JSON);
  }

  private static JsonNode parse(byte[] value) {
    try {
      JsonNode node = PayloadCodec.exactTree(value);
      if (node == null || !node.isObject()) {
        throw new InvalidInputException("UNDECODABLE_REQUEST", "expected one JSON object: " + REQUEST_JSON);
      }
      return node;
    } catch (IOException e) {
      throw new InvalidInputException("UNDECODABLE_REQUEST", "invalid JSON: "
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
  }

  private static RunCommand commandFromJson(JsonNode node) {
    JsonInput in = JsonInput.of(node, "INVALID_COMMAND", "command", COMMAND_FIELDS, Map.of("type", "command", "why", "reason"));
    String command = in.requiredText("command");
    RunCommandType type;
    if (command.equalsIgnoreCase("cancel")) {
      type = RunCommandType.CANCEL;
    } else if (command.equalsIgnoreCase("resume")) {
      type = RunCommandType.RESUME;
    } else if (command.equalsIgnoreCase("terminate")) {
      type = RunCommandType.TERMINATE;
    } else if (command.equalsIgnoreCase("restart")) {
      type = RunCommandType.RESTART;
    } else if (command.equalsIgnoreCase("resume-parked") || command.equalsIgnoreCase("resume_parked")) {
      type = RunCommandType.RESUME_PARKED;
    } else {
      throw in.invalid("unknown command '" + command + "'; the commands are \"cancel\", \"resume\", \"terminate\", \"restart\""
          + " and \"resume-parked\"");
    }
    if (type == RunCommandType.RESTART && !in.has("fromStep")) {
      throw in.invalid("a restart names the step to run again in \"fromStep\"");
    }
    return RunCommand.newBuilder()
        .setRunId(in.has("runId") ? in.requiredText("runId") : "")
        .setCommandId(in.has("commandId") ? in.requiredText("commandId") : java.util.UUID.randomUUID().toString())
        .setType(type)
        .setReason(in.optionalText("reason"))
        .setRequestedBy(in.optionalText("requestedBy"))
        .setRequestedAt(in.optionalLong("requestedAt", 0))
        .setFromStep(in.optionalText("fromStep"))
        .setWorkflowType(in.optionalText("workflowType"))
        .build();
  }

  private static WorkflowRequest fromJson(JsonNode node) {
    JsonInput in = JsonInput.of(node, "INVALID_REQUEST", "request", REQUEST_FIELDS,
        Map.of("type", "workflowType", "workflow", "workflowType", "payload", "input", "data", "input", "id", "runId"));
    if (!in.has("workflowType")) {
      throw in.invalid("the JSON request has no \"workflowType\" field: send " + REQUEST_JSON);
    }
    String type = in.requiredText("workflowType");
    if (type.isBlank()) {
      throw in.invalid("\"workflowType\" is blank: name a registered workflow type");
    }
    return WorkflowRequest.newBuilder()
        .setRunId(in.has("runId") ? in.requiredText("runId") : "")
        .setWorkflowType(type)
        .setInput(in.optionalPayload("input"))
        .setRequestedAt(in.optionalLong("requestedAt", 0))
        .build();
  }

  private static int firstNonBlank(byte[] value) {
    for (byte b : value) {
      if (!Character.isWhitespace(b)) {
        return b;
      }
    }
    return -1;
  }
}
