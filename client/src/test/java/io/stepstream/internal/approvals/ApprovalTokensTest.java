package io.stepstream.internal.approvals;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.approvals.TokenVerdict.Status;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ApprovalTokensTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant EXPIRY = NOW.plus(Duration.ofDays(1));
  private static final ApprovalKey OLD = ApprovalKey.of("default", "old-secret-0123456789");
  private static final ApprovalKey NEW = ApprovalKey.of("2026-02", "new-secret-0123456789");

  private final ApprovalTokens oldEngine = ApprovalTokens.of(ApprovalKeyring.signingWith(OLD), true);
  private final ApprovalTokens rotated = ApprovalTokens.of(ApprovalKeyring.signingWith(NEW).withVerificationKey(OLD), true);

  @Test
  void aTokenIsVersionedAndCarriesItsKeyIdAndExpiry() {
    String token = rotated.sign("r1", "refund-review", EXPIRY);

    assertThat(token).startsWith("v1.2026-02." + EXPIRY.getEpochSecond() + ".");
    ApprovalToken parsed = ApprovalToken.parse(token);
    assertThat(parsed.kid()).isEqualTo("2026-02");
    assertThat(parsed.expiresAt()).isEqualTo(EXPIRY);
  }

  @Test
  void aTokenIsAcceptedForItsRunAndApprovalUntilItExpires() {
    String token = rotated.sign("r1", "refund-review", EXPIRY);

    assertThat(rotated.check(token, "r1", "refund-review", NOW).valid()).isTrue();
    assertThat(rotated.check(token, "r1", "refund-review", EXPIRY.minusMillis(1)).valid()).isTrue();
    assertThat(rotated.check(token, "r1", "refund-review", EXPIRY).status()).isEqualTo(Status.EXPIRED);
  }

  @Test
  void anExpiredTokenSaysWhenItExpired() {
    String token = rotated.sign("r1", "refund-review", EXPIRY);

    TokenVerdict verdict = rotated.check(token, "r1", "refund-review", EXPIRY.plusSeconds(60));

    assertThat(verdict.status()).isEqualTo(Status.EXPIRED);
    assertThat(verdict.detail()).contains("expired at 2026-01-02T00:00:00Z");
  }

  @Test
  void aTokenIssuedBeforeARotationIsAcceptedWhileItsKeyIsKeptForVerification() {
    String issuedBefore = oldEngine.sign("r1", "refund-review", EXPIRY);

    assertThat(rotated.check(issuedBefore, "r1", "refund-review", NOW).valid()).isTrue();
    assertThat(ApprovalToken.parse(rotated.sign("r2", "refund-review", EXPIRY)).kid()).isEqualTo("2026-02");
  }

  @Test
  void aTokenWhoseKeyWasRotatedOutIsRefusedAsSignedWithAnUnknownKey() {
    String issuedBefore = oldEngine.sign("r1", "refund-review", EXPIRY);
    ApprovalTokens oldKeyRemoved = ApprovalTokens.of(ApprovalKeyring.signingWith(NEW), true);

    TokenVerdict verdict = oldKeyRemoved.check(issuedBefore, "r1", "refund-review", NOW);

    assertThat(verdict.status()).isEqualTo(Status.UNKNOWN_KEY);
    assertThat(verdict.detail()).contains("'default'");
  }

  @Test
  void aTokenForAnotherRunOrApprovalIsRefusedAsSuch() {
    String token = rotated.sign("r1", "refund-review", EXPIRY);

    assertThat(rotated.check(token, "r2", "refund-review", NOW).status()).isEqualTo(Status.WRONG_APPROVAL);
    assertThat(rotated.check(token, "r1", "ship", NOW).status()).isEqualTo(Status.WRONG_APPROVAL);
  }

  @Test
  void aTokenWithAForgedSignatureOrAChangedExpiryIsRefusedAsBadlySigned() {
    String token = rotated.sign("r1", "refund-review", EXPIRY);
    String[] parts = token.split("\\.");
    String laterExpiry = String.join(".", parts[0], parts[1], String.valueOf(EXPIRY.getEpochSecond() + 86_400), parts[3], parts[4]);
    String otherSecret = ApprovalTokens.of(ApprovalKeyring.signingWith(ApprovalKey.of("2026-02", "guessed-secret-0123456")), true)
        .sign("r1", "refund-review", EXPIRY);

    assertThat(rotated.check(laterExpiry, "r1", "refund-review", NOW).status()).isEqualTo(Status.BAD_SIGNATURE);
    assertThat(rotated.check(otherSecret, "r1", "refund-review", NOW).status()).isEqualTo(Status.BAD_SIGNATURE);
  }

  @Test
  void aMissingOrMalformedTokenIsRefusedAsSuch() {
    assertThat(rotated.check(null, "r1", "refund-review", NOW).status()).isEqualTo(Status.MISSING);
    assertThat(rotated.check("", "r1", "refund-review", NOW).status()).isEqualTo(Status.MISSING);
    assertThat(rotated.check("forged", "r1", "refund-review", NOW).status()).isEqualTo(Status.MALFORMED);
    assertThat(rotated.check("v1.2026-02.notanumber.abc.def", "r1", "refund-review", NOW).status()).isEqualTo(Status.MALFORMED);
    assertThat(rotated.check("v9.2026-02.1.abc.def", "r1", "refund-review", NOW).status()).isEqualTo(Status.MALFORMED);
  }

  @Test
  void anOldFormatTokenIsAcceptedWhileTheSecretThatMadeItIsInTheRing() {
    String legacy = LegacyTokens.sign(OLD, "r1", "refund-review");

    assertThat(rotated.check(legacy, "r1", "refund-review", NOW).valid()).isTrue();
    assertThat(rotated.check(legacy, "r2", "refund-review", NOW).status()).isEqualTo(Status.BAD_SIGNATURE);
    assertThat(ApprovalTokens.of(ApprovalKeyring.signingWith(NEW), true).check(legacy, "r1", "refund-review", NOW).status())
        .isEqualTo(Status.BAD_SIGNATURE);
  }

  @Test
  void oldFormatTokensCanBeTurnedOff() {
    String legacy = LegacyTokens.sign(OLD, "r1", "refund-review");
    ApprovalTokens strict = ApprovalTokens.of(ApprovalKeyring.signingWith(NEW).withVerificationKey(OLD), false);

    assertThat(strict.check(legacy, "r1", "refund-review", NOW).status()).isEqualTo(Status.LEGACY_REFUSED);
  }

  @Test
  void anOldFormatTokenIsTheV010Hmac() {
    // what a 0.1.0 engine published for run r1, approval refund-review, secret harness-secret-0123
    ApprovalKey v010 = ApprovalKey.of("default", "harness-secret-0123");

    assertThat(LegacyTokens.sign(v010, "r1", "refund-review")).isEqualTo(LEGACY_FIXTURE);
  }

  @Test
  void withVerificationDisabledEveryTokenIsAccepted() {
    ApprovalTokens off = ApprovalTokens.verificationDisabled();

    assertThat(off.verifies()).isFalse();
    assertThat(off.check(null, "r1", "refund-review", NOW).valid()).isTrue();
    assertThat(off.check("forged", "r1", "refund-review", NOW).valid()).isTrue();
  }

  // 0.1.0: ApprovalTokens.withSecret("harness-secret-0123".getBytes()).sign("r1", "refund-review"); also HMAC-SHA256 in any language
  private static final String LEGACY_FIXTURE = "2XEiY4ejuF2jFnySLIc-oF4YUdCvMynYO6dylXYRkiQ";
}
