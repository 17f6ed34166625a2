package io.stepstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.testing.TestIdentityProvider;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The engine's approval options fail when configured, naming what is wrong, not when the first decision arrives. */
@Timeout(30)
class ApprovalSecurityConfigTest {
  private static final TestIdentityProvider IDP = TestIdentityProvider.ec("ec-1");

  @Test
  void anApproverIdentityFromAJwksFileWithIssuerAndAudienceIsAccepted(@TempDir Path dir) throws Exception {
    Path jwks = Files.writeString(dir.resolve("jwks.json"), IDP.jwks());

    assertThatCode(() -> engine().approverIdentity(
            ApproverIdentity.jwks(jwks).issuer(TestIdentityProvider.ISSUER).audience("stepstream").usernameClaim("preferred_username")))
        .doesNotThrowAnyException();
  }

  @Test
  void anApproverIdentityWithoutIssuerOrAudienceIsRefused() {
    assertThatThrownBy(() -> engine().approverIdentity(ApproverIdentity.jwks(IDP.jwks()).audience("stepstream")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("issuer(...)");
    assertThatThrownBy(() -> engine().approverIdentity(ApproverIdentity.jwks(IDP.jwks()).issuer(TestIdentityProvider.ISSUER)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("audience(...)");
  }

  @Test
  void aMissingJwksFileIsNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> ApproverIdentity.jwks(dir.resolve("nope.json")))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("nope.json");
  }

  @Test
  void aJwksWithoutAnRs256OrEs256KeyIsRefusedNamingItsFile(@TempDir Path dir) throws Exception {
    Path jwks = Files.writeString(dir.resolve("empty.json"), "{\"keys\":[]}");

    assertThatThrownBy(() -> engine().approverIdentity(ApproverIdentity.jwks(jwks).issuer("i").audience("a")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("empty.json").hasMessageContaining("RS256");
  }

  @Test
  void aKeyIdGivenTwiceWithDifferentSecretsIsRefusedAtBuild() {
    Stepstream.Builder b = engine().approvalSigningKey("k1", "first-secret-0123456789").approvalVerificationKey("k1", "other-secret-0123456789");

    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k1'");
  }

  @Test
  void verificationKeysWithoutASigningKeyAreRefusedForAnExternalCluster() {
    Stepstream.Builder b = engine().bootstrapServers("127.0.0.1:9").approvalVerificationKey("k1", "first-secret-0123456789");

    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("approvalSigningKey");
  }

  @Test
  void disablingVerificationWhileGivingKeysIsRefused() {
    Stepstream.Builder b = engine().approvalSecret("first-secret-0123456789").disableApprovalTokenVerification();

    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("contradicts");
  }

  @Test
  void aKeyIdThatCannotBeWrittenInATokenOrAShortSecretIsRefusedAtOnce() {
    assertThatThrownBy(() -> engine().approvalSigningKey("2026.07", "long-enough-secret-0123"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2026.07");
    assertThatThrownBy(() -> engine().approvalSecret("short"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16");
  }

  @Test
  void aValidRotationConfigurationBuilds() {
    assertThat(engine().approvalSigningKey("2026-07", "second-secret-0123456789")
            .approvalVerificationKey("default", "first-secret-0123456789")
            .approvalTokenGrace(java.time.Duration.ofMinutes(5))
            .acceptLegacyApprovalTokens(false)
            .build())
        .isNotNull();
  }

  private static Stepstream.Builder engine() {
    return Stepstream.builder().bootstrapServers("broker-1:9093").register("noop", String.class, (ctx, in) -> in);
  }
}
