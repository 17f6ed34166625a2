package io.stepstream.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * An identity provider for tests: a key pair generated here (RSA 2048 for RS256, EC P-256 for
 * ES256), its public JWKS, and JWTs it signs.
 *
 * <pre>{@code
 * TestIdentityProvider idp = TestIdentityProvider.rsa("rsa-1");
 * String jwt = idp.sign(idp.claims("alice", now, "support-leads").build());
 * }</pre>
 */
public final class TestIdentityProvider {
  public static final String ISSUER = "https://login.example.test/realms/acme";
  public static final String AUDIENCE = "stepstream";

  private final JWK key;
  private final JWSAlgorithm alg;

  private TestIdentityProvider(JWK key, JWSAlgorithm alg) {
    this.key = key;
    this.alg = alg;
  }

  public static TestIdentityProvider rsa(String kid) {
    try {
      return new TestIdentityProvider(new RSAKeyGenerator(2048).keyID(kid).generate(), JWSAlgorithm.RS256);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static TestIdentityProvider ec(String kid) {
    try {
      return new TestIdentityProvider(new ECKeyGenerator(Curve.P_256).keyID(kid).generate(), JWSAlgorithm.ES256);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public JWKS of this provider and {@code others}, as an engine is configured with it. */
  public String jwks(TestIdentityProvider... others) {
    List<JWK> keys = new java.util.ArrayList<>(List.of(key.toPublicJWK()));
    for (TestIdentityProvider other : others) {
      keys.add(other.key.toPublicJWK());
    }
    return new JWKSet(keys).toString();
  }

  /** Claims of a token for {@code username}, issued at {@code now}, valid for five minutes, for the test audience. */
  public JWTClaimsSet.Builder claims(String username, Instant now, String... groups) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("id-" + username)
        .claim("preferred_username", username)
        .claim("groups", List.of(groups))
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
  }

  /** A token for {@code username} with the default claims. */
  public String token(String username, Instant now, String... groups) {
    return sign(claims(username, now, groups).build());
  }

  public String sign(JWTClaimsSet claims) {
    return sign(claims, key.getKeyID());
  }

  /** Signed with this provider's key but naming key id {@code kid} in the header. */
  public String sign(JWTClaimsSet claims, String kid) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
      JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
