package io.stepstream.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.client.CommandResult;
import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterRef;
import io.stepstream.client.DeadLetterView;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.ResumeParkedResult;
import io.stepstream.internal.engine.Health;
import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.DevModeAuth;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /api/admin over a real HTTP endpoint; the operations are a recording stub (what the engine's client does is tested elsewhere). */
@Timeout(30)
class AdminRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<String> calls = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpEndpoint endpoint;

  private final AdminOperations ops = new AdminOperations() {
    @Override
    public CommandResult terminate(String runId, String reason, String by) {
      calls.add("terminate " + runId + " " + reason + " by " + by);
      return new CommandResult(runId, "c-1", "terminate", true, "terminate requested by " + by);
    }

    @Override
    public CommandResult cancel(String runId, String reason, String by) {
      calls.add("cancel " + runId + " by " + by);
      return new CommandResult(runId, "c-2", "cancel", false, "run " + runId + " already ended COMPLETED; nothing to cancel");
    }

    @Override
    public CommandResult resume(String runId, String by) {
      calls.add("resume " + runId + " by " + by);
      return null; // no answer in time
    }

    @Override
    public CommandResult restart(String runId, String fromStep, String reason, String by) {
      calls.add("restart " + runId + " from " + fromStep + " by " + by);
      return new CommandResult(runId, "c-4", "restart", true, "restart from step '" + fromStep + "'");
    }

    @Override
    public ResumeParkedResult resumeParked(Optional<String> workflowType, String by) {
      calls.add("resume-parked " + workflowType.orElse("*") + " by " + by);
      return new ResumeParkedResult("c-5", 6);
    }

    @Override
    public DeadLetterPage deadLetters(DeadLetterQuery query) {
      calls.add("dlq " + query);
      return new DeadLetterPage(List.of(new DeadLetterView(1, 12, "r-1", "UNKNOWN_RUN", "no run r-1", "p.signals", -1, -1, 1000L, "r-1",
          "{\"name\":\"go\"}", "json", 13, false, null)), "1000.1.12");
    }

    @Override
    public RedriveResult redrive(List<DeadLetterRef> refs, String by) {
      calls.add("redrive " + refs + " by " + by);
      return new RedriveResult(List.of(new RedriveResult.Redriven(1, 12, "p.signals")), List.of(new RedriveResult.Refused(0, 3, "EMIT_...")));
    }
  };

  @AfterEach
  void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private void mount(HttpAuth auth) {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", ""), () -> Health.up("RUNNING", ""), null);
    endpoint.route(AdminRoutes.PREFIX, new AdminRoutes(auth, ops));
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
        .header("X-Stepstream-User", "alice")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTerminateIsSentAsTheCallerAndAnsweredWithTheCommandId() throws Exception {
    mount(new DevModeAuth());

    HttpResponse<String> r = call("POST", "/api/admin/runs/order%2F42/terminate", "{\"reason\":\"stuck\"}");

    assertThat(r.statusCode()).isEqualTo(202);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("commandId").asText()).isEqualTo("c-1");
    assertThat(body.get("runId").asText()).isEqualTo("order/42");
    assertThat(body.get("command").asText()).isEqualTo("terminate");
    assertThat(body.get("accepted").asBoolean()).isTrue();
    assertThat(calls).containsExactly("terminate order/42 stuck by alice");
  }

  @Test
  void restartNeedsAStepAndUnknownFieldsAreRefused() throws Exception {
    mount(new DevModeAuth());

    assertThat(call("POST", "/api/admin/runs/r-1/restart", "{\"reason\":\"x\"}").statusCode()).isEqualTo(400);
    HttpResponse<String> unknown = call("POST", "/api/admin/runs/r-1/restart", "{\"from\":\"b\"}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown field \\\"from\\\"");
    assertThat(call("POST", "/api/admin/runs/r-1/restart", "{\"fromStep\":\"b\"}").statusCode()).isEqualTo(202);
    assertThat(calls).containsExactly("restart r-1 from b by alice");
  }

  @Test
  void aCommandWithoutAnAnswerInTimeIsStillAcceptedForProcessing() throws Exception {
    mount(new DevModeAuth());

    HttpResponse<String> r = call("POST", "/api/admin/runs/r-9/resume", "");

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(r.body()).get("accepted").isNull()).isTrue();
  }

  @Test
  void resumeParkedAnswersWithThePartitionsItWasSentTo() throws Exception {
    mount(new DevModeAuth());

    HttpResponse<String> r = call("POST", "/api/admin/runs/resume-parked", "{\"workflowType\":\"order\"}");

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(r.body()).get("partitions").asInt()).isEqualTo(6);
    assertThat(calls).containsExactly("resume-parked order by alice");
  }

  @Test
  void theDlqIsListedWithFiltersAndAJsonValueAndRedrivenByCoordinates() throws Exception {
    mount(new DevModeAuth());

    HttpResponse<String> list = call("GET", "/api/admin/dlq?limit=5&runId=r-1&code=UNKNOWN_RUN", null);
    assertThat(list.statusCode()).isEqualTo(200);
    JsonNode page = JSON.readTree(list.body());
    JsonNode d = page.get("deadLetters").get(0);
    assertThat(d.get("errorType").asText()).isEqualTo("UNKNOWN_RUN");
    assertThat(d.get("value").get("json").get("name").asText()).isEqualTo("go");
    assertThat(d.get("redriven").asBoolean()).isFalse();
    assertThat(page.get("nextCursor").asText()).isEqualTo("1000.1.12");
    assertThat(calls.get(0)).contains("limit=5").contains("runId=r-1").contains("code=UNKNOWN_RUN");

    HttpResponse<String> redrive = call("POST", "/api/admin/dlq/redrive", "{\"records\":[{\"partition\":1,\"offset\":12},{\"partition\":0,\"offset\":3}]}");
    assertThat(redrive.statusCode()).isEqualTo(202);
    JsonNode answer = JSON.readTree(redrive.body());
    assertThat(answer.get("redriven").get(0).get("toTopic").asText()).isEqualTo("p.signals");
    assertThat(answer.get("refused").get(0).get("reason").asText()).isEqualTo("EMIT_...");
    assertThat(calls.get(1)).isEqualTo("redrive [1@12, 0@3] by alice");
  }

  @Test
  void aCallerWhoIsNotAnAdminIsRefusedAndNothingIsSent() throws Exception {
    mount(new HttpAuth() {
      @Override
      public Caller authenticate(HttpCall call) {
        return new Caller("bob", List.of("support"), true, null);
      }

      @Override
      public void requireAdmin(Caller caller) {
        throw new HttpProblem(403, caller.name() + " is not in an admin group");
      }

      @Override
      public String describe() {
        return "test";
      }
    });

    HttpResponse<String> r = call("POST", "/api/admin/runs/r-1/terminate", "{}");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(calls).isEmpty();
  }

  @Test
  void theWrongMethodIsRefused() throws Exception {
    mount(new DevModeAuth());

    assertThat(call("GET", "/api/admin/runs/r-1/terminate", null).statusCode()).isEqualTo(405);
    assertThat(call("POST", "/api/admin/dlq", "{}").statusCode()).isEqualTo(405);
    assertThat(call("GET", "/api/admin/nothing", null).statusCode()).isEqualTo(404);
  }
}
