package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(10)
class ApprovalCommandsTest {
  @TempDir Path dir;

  @Test
  void anIdentityTokenFileIsReadTrimmedForTheDecision() throws Exception {
    Path token = Files.writeString(dir.resolve("jwt"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n");
    ApprovalCommands.Approve approve = new ApprovalCommands.Approve();
    new CommandLine(approve).parseArgs("run-1", "refund-review", "--identity-token-file", token.toString());

    assertThat(approve.identityToken()).isEqualTo("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
  }
}
