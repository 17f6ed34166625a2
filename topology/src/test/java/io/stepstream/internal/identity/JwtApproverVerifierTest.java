package io.stepstream.internal.identity;

import static io.stepstream.testing.TestIdentityProvider.AUDIENCE;
import static io.stepstream.testing.TestIdentityProvider.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.stepstream.internal.identity.IdentityRejected.Reason;
import io.stepstream.testing.TestIdentityProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class JwtApproverVerifierTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private static final TestIdentityProvider RSA = TestIdentityProvider.rsa("rsa-1");
  private static final TestIdentityProvider EC = TestIdentityProvider.ec("ec-1");
  private static final TestIdentityProvider ATTACKER = TestIdentityProvider.rsa("rsa-1"); // same key id, other key

  private final JwtApproverVerifier verifier =
      JwtApproverVerifier.of(RSA.jwks(EC), ISSUER, AUDIENCE, "preferred_username", "groups", Duration.ofSeconds(60));

  @Test
  void anRs256TokenOfTheConfiguredProviderYieldsItsUsernameAndGroups() throws Exception {
    VerifiedApprover who = verifier.verify(RSA.token("alice", NOW, "support-leads", "finance"), NOW);

    assertThat(who.username()).isEqualTo("alice");
    assertThat(who.groups()).containsExactly("support-leads", "finance");
  }

  @Test
  void anEs256TokenOfTheConfiguredProviderIsAccepted() throws Exception {
    assertThat(verifier.verify(EC.token("bob", NOW), NOW).username()).isEqualTo("bob");
  }

  @Test
  void aTokenSignedByAnotherKeyUnderAConfiguredKeyIdIsRefusedAsForged() {
    assertRejected(() -> verifier.verify(ATTACKER.token("alice", NOW), NOW), Reason.BAD_SIGNATURE, "none of the keys");
  }

  @Test
  void aTokenWhosePayloadWasAlteredIsRefusedAsForged() {
    String[] parts = RSA.token("mallory", NOW).split("\\.");
    String alice = Base64.getUrlEncoder().withoutPadding().encodeToString(
        RSA.claims("alice", NOW, "support-leads").build().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertRejected(() -> verifier.verify(parts[0] + "." + alice + "." + parts[2], NOW), Reason.BAD_SIGNATURE, "forged");
  }

  @Test
  void aTokenNamingAKeyIdThatIsNotConfiguredIsRefusedAsSignedByAnUnknownKey() {
    String token = RSA.sign(RSA.claims("alice", NOW).build(), "rsa-2");

    assertRejected(() -> verifier.verify(token, NOW), Reason.UNKNOWN_KEY, "'rsa-2'");
  }

  @Test
  void anExpiredTokenIsRefusedButASmallClockSkewIsAllowed() throws Exception {
    String token = RSA.token("alice", NOW); // expires NOW + 5 min

    assertThat(verifier.verify(token, NOW.plus(Duration.ofMinutes(5)).plusSeconds(59)).username()).isEqualTo("alice");
    assertRejected(() -> verifier.verify(token, NOW.plus(Duration.ofMinutes(5)).plusSeconds(61)), Reason.EXPIRED,
        "expired at 2026-01-01T12:05:00Z");
  }

  @Test
  void aTokenUsedBeforeItsNotBeforeTimeIsRefused() {
    String token = RSA.token("alice", NOW);

    assertRejected(() -> verifier.verify(token, NOW.minus(Duration.ofMinutes(2))), Reason.NOT_YET_VALID, "not valid before");
  }

  @Test
  void aTokenWithoutExpiryIsRefused() {
    String token = RSA.sign(RSA.claims("alice", NOW).expirationTime(null).build());

    assertRejected(() -> verifier.verify(token, NOW), Reason.MALFORMED, "no expiry");
  }

  @Test
  void aTokenOfAnotherIssuerOrForAnotherAudienceIsRefused() {
    String otherIssuer = RSA.sign(RSA.claims("alice", NOW).issuer("https://evil.example.test").build());
    String otherAudience = RSA.sign(RSA.claims("alice", NOW).audience("payroll").build());

    assertRejected(() -> verifier.verify(otherIssuer, NOW), Reason.WRONG_ISSUER, "https://evil.example.test");
    assertRejected(() -> verifier.verify(otherAudience, NOW), Reason.WRONG_AUDIENCE, "payroll");
  }

  @Test
  void anHmacSignedOrUnsignedTokenIsRefused() throws Exception {
    JWTClaimsSet claims = RSA.claims("alice", NOW).build();
    SignedJWT hs256 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims);
    hs256.sign(new MACSigner(new byte[32]));
    String none = new PlainJWT(claims).serialize();

    assertRejected(() -> verifier.verify(hs256.serialize(), NOW), Reason.UNSUPPORTED_ALGORITHM, "HS256");
    assertRejected(() -> verifier.verify(none, NOW), Reason.MALFORMED, "not a signed JWT");
    assertRejected(() -> verifier.verify("not-a-jwt", NOW), Reason.MALFORMED, "not a signed JWT");
  }

  @Test
  void aTokenWithoutTheUsernameClaimIsRefused() {
    String token = RSA.sign(RSA.claims("alice", NOW).claim("preferred_username", null).build());

    assertRejected(() -> verifier.verify(token, NOW), Reason.NO_USERNAME, "'preferred_username'");
  }

  @Test
  void theUsernameAndGroupsClaimsAreConfigurable() throws Exception {
    JwtApproverVerifier bySubject = JwtApproverVerifier.of(RSA.jwks(), ISSUER, AUDIENCE, "sub", "roles", Duration.ofSeconds(60));
    String token = RSA.sign(RSA.claims("alice", NOW).claim("roles", "approvers").build());

    VerifiedApprover who = bySubject.verify(token, NOW);

    assertThat(who.username()).isEqualTo("id-alice");
    assertThat(who.groups()).containsExactly("approvers");
  }

  @Test
  void aJwksWithoutAnRs256OrEs256SigningKeyIsRefusedWhenConfigured() throws Exception {
    String weak = new com.nimbusds.jose.jwk.JWKSet(new RSAKeyGenerator(1024, true).keyID("weak").generate().toPublicJWK()).toString();
    String encryption = new com.nimbusds.jose.jwk.JWKSet(
        new RSAKeyGenerator(2048).keyID("enc").keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).generate().toPublicJWK()).toString();

    for (String jwks : new String[] {weak, encryption, "{\"keys\":[]}"}) {
      assertThatThrownBy(() -> JwtApproverVerifier.of(jwks, ISSUER, AUDIENCE, "sub", "groups", Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key usable for RS256");
    }
    assertThatThrownBy(() -> JwtApproverVerifier.of("not json", ISSUER, AUDIENCE, "sub", "groups", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a JSON Web Key Set");
  }

  private static void assertRejected(ThrowingCallable call, Reason reason, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(IdentityRejected.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.getMessage()).contains(detail);
    });
  }
}
