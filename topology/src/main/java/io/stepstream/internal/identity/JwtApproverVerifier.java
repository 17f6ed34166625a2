package io.stepstream.internal.identity;

import static io.stepstream.internal.identity.IdentityRejected.Reason.BAD_SIGNATURE;
import static io.stepstream.internal.identity.IdentityRejected.Reason.EXPIRED;
import static io.stepstream.internal.identity.IdentityRejected.Reason.MALFORMED;
import static io.stepstream.internal.identity.IdentityRejected.Reason.NOT_YET_VALID;
import static io.stepstream.internal.identity.IdentityRejected.Reason.NO_USERNAME;
import static io.stepstream.internal.identity.IdentityRejected.Reason.UNKNOWN_KEY;
import static io.stepstream.internal.identity.IdentityRejected.Reason.UNSUPPORTED_ALGORITHM;
import static io.stepstream.internal.identity.IdentityRejected.Reason.WRONG_AUDIENCE;
import static io.stepstream.internal.identity.IdentityRejected.Reason.WRONG_ISSUER;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Checks an approver's JWT: signature (RS256 or ES256) by one of the identity provider's keys,
 * then {@code exp} (required) and {@code nbf} with a clock skew, {@code iss}, {@code aud}, and reads
 * the username and groups claims. The time is passed in, so a decision kept before its run asked is
 * judged at the time it arrived.
 *
 * <pre>{@code
 * var verifier = new JwtApproverVerifier(SigningKeys.parse(jwks), "https://login.example.com", "stepstream",
 *     "preferred_username", "groups", Duration.ofSeconds(60));
 * VerifiedApprover who = verifier.verify(jwt, Instant.now()); // or IdentityRejected with the reason
 * }</pre>
 */
public final class JwtApproverVerifier {
  private final SigningKeys keys;
  private final String issuer;
  private final String audience;
  private final String usernameClaim;
  private final String groupsClaim;
  private final Duration clockSkew;

  JwtApproverVerifier(SigningKeys keys, String issuer, String audience, String usernameClaim, String groupsClaim, Duration clockSkew) {
    this.keys = Objects.requireNonNull(keys);
    this.issuer = Objects.requireNonNull(issuer);
    this.audience = Objects.requireNonNull(audience);
    this.usernameClaim = Objects.requireNonNull(usernameClaim);
    this.groupsClaim = Objects.requireNonNull(groupsClaim);
    this.clockSkew = Objects.requireNonNull(clockSkew);
  }

  /** @throws IllegalArgumentException if the JWKS is unusable */
  public static JwtApproverVerifier of(String jwksJson, String issuer, String audience, String usernameClaim, String groupsClaim, Duration clockSkew) {
    return new JwtApproverVerifier(SigningKeys.parse(jwksJson), issuer, audience, usernameClaim, groupsClaim, clockSkew);
  }

  public String issuer() {
    return issuer;
  }

  public String audience() {
    return audience;
  }

  public VerifiedApprover verify(String token, Instant at) throws IdentityRejected {
    SignedJWT jwt = parse(token);
    checkSignature(jwt);
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new IdentityRejected(MALFORMED, "has claims that are not a JSON object: " + e.getMessage());
    }
    checkTimes(claims, at);
    if (!issuer.equals(claims.getIssuer())) {
      throw new IdentityRejected(WRONG_ISSUER, "was issued by '" + claims.getIssuer() + "', not by '" + issuer + "'");
    }
    if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
      throw new IdentityRejected(WRONG_AUDIENCE, "is for audience " + claims.getAudience() + ", not '" + audience + "'");
    }
    return new VerifiedApprover(username(claims), groups(claims));
  }

  private static SignedJWT parse(String token) throws IdentityRejected {
    try {
      return SignedJWT.parse(token.trim());
    } catch (ParseException e) {
      throw new IdentityRejected(MALFORMED, "is not a signed JWT (header.payload.signature): " + e.getMessage());
    }
  }

  private void checkSignature(SignedJWT jwt) throws IdentityRejected {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    if (!SigningKeys.ALGORITHMS.contains(alg)) {
      throw new IdentityRejected(UNSUPPORTED_ALGORITHM, "is signed with " + alg + "; only RS256 and ES256 are accepted");
    }
    String kid = jwt.getHeader().getKeyID();
    List<JWSVerifier> candidates = keys.candidates(kid, alg);
    if (candidates.isEmpty()) {
      throw new IdentityRejected(UNKNOWN_KEY, "was signed (" + alg + ") with key " + (kid == null ? "(no key id)" : "'" + kid + "'")
          + ", which is not among the " + keys.size() + " keys configured for issuer '" + issuer + "'");
    }
    for (JWSVerifier verifier : candidates) {
      try {
        if (jwt.verify(verifier)) {
          return;
        }
      } catch (JOSEException e) {
        // this key cannot check it; another may
      }
    }
    throw new IdentityRejected(BAD_SIGNATURE, "has a signature that none of the keys configured for issuer '" + issuer
        + "' made (forged, altered, or from another identity provider)");
  }

  private void checkTimes(JWTClaimsSet claims, Instant at) throws IdentityRejected {
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new IdentityRejected(MALFORMED, "has no expiry (exp claim); only tokens that expire are accepted");
    }
    if (at.isAfter(exp.toInstant().plus(clockSkew))) {
      throw new IdentityRejected(EXPIRED, "expired at " + exp.toInstant() + " (checked at " + at + ", allowing " + clockSkew.toSeconds()
          + " s of clock skew)");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && at.plus(clockSkew).isBefore(nbf.toInstant())) {
      throw new IdentityRejected(NOT_YET_VALID, "is not valid before " + nbf.toInstant() + " (checked at " + at + ")");
    }
  }

  private String username(JWTClaimsSet claims) throws IdentityRejected {
    Object value = claims.getClaim(usernameClaim);
    if (!(value instanceof String name) || name.isBlank()) {
      throw new IdentityRejected(NO_USERNAME, "has no username: claim '" + usernameClaim + "' is "
          + (value == null ? "absent" : "not a non-empty string"));
    }
    return name;
  }

  private List<String> groups(JWTClaimsSet claims) throws IdentityRejected {
    Object value = claims.getClaim(groupsClaim);
    if (value == null) {
      return List.of();
    }
    if (value instanceof String single) {
      return List.of(single);
    }
    if (value instanceof List<?> list) {
      List<String> groups = new ArrayList<>();
      for (Object item : list) {
        if (!(item instanceof String group)) {
          throw new IdentityRejected(MALFORMED, "has a groups claim '" + groupsClaim + "' with a non-string member: " + item);
        }
        groups.add(group);
      }
      return groups;
    }
    throw new IdentityRejected(MALFORMED, "has a groups claim '" + groupsClaim + "' that is neither a string nor a list of strings");
  }
}
