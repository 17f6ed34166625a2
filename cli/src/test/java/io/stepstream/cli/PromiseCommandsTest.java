package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.codec.PromiseIds;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(20)
class PromiseCommandsTest {
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = StepstreamCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void aMalformedIdIsRefusedBeforeAnythingIsSentWithWhatToDo() {
    // no broker at this address: the id must be refused before the client would try one
    int code = run("promise", "complete", "order-42-review", "--json", "{\"ok\":true}", "--bootstrap-servers", "127.0.0.1:1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("'order-42-review' is not a durable promise id").contains("ctx.promise(name, type).id()");
  }

  @Test
  void failNeedsAType() {
    int code = run("promise", "fail", PromiseIds.format("r-1", "review"), "--message", "no");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--type");
  }

  @Test
  void theValueIsParsedAsJsonAndNullMeansNone() {
    assertThat(PromiseCommands.Complete.value("{\"score\":9}").toString()).isEqualTo("{\"score\":9}");
    assertThat(PromiseCommands.Complete.value("null")).isNull();
  }

  @Test
  void aValueThatIsNotJsonSaysHowToQuoteAString() {
    int code = run("promise", "complete", PromiseIds.format("r-1", "review"), "--json", "yes", "--bootstrap-servers", "127.0.0.1:1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--json is not valid JSON").contains("--json '\"yes\"'");
  }
}
