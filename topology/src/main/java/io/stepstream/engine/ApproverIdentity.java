package io.stepstream.engine;

import io.stepstream.internal.identity.JwtApproverVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How an engine verifies who approves: decisions carry the approver's JWT from the team's identity
 * provider ({@code identityToken}), checked against the provider's public keys (a JWKS with RS256
 * and/or ES256 keys), its expiry and not-before times (with a small clock skew), its issuer and its
 * audience. The verified user (the username claim) must be one of the request's approvers, or one of
 * the groups claim's groups one of the request's groups; the workflow's {@code Approval.approver()}
 * is that user. Immutable; every setter returns a copy.
 *
 * <pre>{@code
 * Stepstream.builder()
 *     .approverIdentity(ApproverIdentity.jwks(Path.of("/etc/stepstream/idp-jwks.json"))  // or jwks(jsonString)
 *         .issuer("https://login.example.com/realms/acme")     // the iss claim, exactly
 *         .audience("stepstream")                              // must be among the aud claim's values
 *         .usernameClaim("preferred_username")                 // default "sub"
 *         .groupsClaim("groups"))                              // default "groups"
 * }</pre>
 *
 * <p>The keys are read when this is created; an engine picks up new provider keys when restarted
 * with the new JWKS (keep old and new keys in it while the provider rotates).
 */
public final class ApproverIdentity {
  /** Default allowed difference between the identity provider's clock and the engine's. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

  private final String jwks;
  private final String source;
  private final String issuer;
  private final String audience;
  private final String usernameClaim;
  private final String groupsClaim;
  private final Duration clockSkew;

  private ApproverIdentity(String jwks, String source, String issuer, String audience, String usernameClaim, String groupsClaim,
      Duration clockSkew) {
    this.jwks = jwks;
    this.source = source;
    this.issuer = issuer;
    this.audience = audience;
    this.usernameClaim = usernameClaim;
    this.groupsClaim = groupsClaim;
    this.clockSkew = clockSkew;
  }

  /** The identity provider's public keys from a JWKS file (what its {@code jwks_uri} serves), read now. */
  public static ApproverIdentity jwks(Path file) {
    try {
      return new ApproverIdentity(Files.readString(file), file.toString(), null, null, "sub", "groups", DEFAULT_CLOCK_SKEW);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the approver identity JWKS " + file + ": " + e, e);
    }
  }

  /** The identity provider's public keys as JWKS JSON: {@code {"keys":[{"kty":"RSA","kid":..,"n":..,"e":..}, ...]}}. */
  public static ApproverIdentity jwks(String json) {
    return new ApproverIdentity(Objects.requireNonNull(json, "jwks"), "the JWKS given", null, null, "sub", "groups", DEFAULT_CLOCK_SKEW);
  }

  /** The {@code iss} every identity token must have, exactly (required). */
  public ApproverIdentity issuer(String issuer) {
    return new ApproverIdentity(jwks, source, issuer, audience, usernameClaim, groupsClaim, clockSkew);
  }

  /** A value the {@code aud} claim must contain (required): what your provider puts there for Stepstream. */
  public ApproverIdentity audience(String audience) {
    return new ApproverIdentity(jwks, source, issuer, audience, usernameClaim, groupsClaim, clockSkew);
  }

  /** The claim whose string value is the approver's name, matched against a request's approvers (default {@code sub}). */
  public ApproverIdentity usernameClaim(String claim) {
    return new ApproverIdentity(jwks, source, issuer, audience, Objects.requireNonNull(claim), groupsClaim, clockSkew);
  }

  /** The claim holding the approver's groups (a list of strings, or one string), matched against a request's groups (default {@code groups}). */
  public ApproverIdentity groupsClaim(String claim) {
    return new ApproverIdentity(jwks, source, issuer, audience, usernameClaim, Objects.requireNonNull(claim), clockSkew);
  }

  /** How far {@code exp} and {@code nbf} may be off (default 60 s). */
  public ApproverIdentity clockSkew(Duration skew) {
    if (skew == null || skew.isNegative()) {
      throw new IllegalArgumentException("the approver identity clock skew must be zero or positive, was " + skew);
    }
    return new ApproverIdentity(jwks, source, issuer, audience, usernameClaim, groupsClaim, skew);
  }

  /** @throws IllegalStateException naming what is missing or wrong */
  JwtApproverVerifier verifier() {
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalStateException("approverIdentity needs issuer(...): the iss claim of your identity provider's tokens");
    }
    if (audience == null || audience.isBlank()) {
      throw new IllegalStateException("approverIdentity needs audience(...): the aud value your identity provider issues for Stepstream"
          + " (without it, a token issued for any other application would be accepted)");
    }
    try {
      return JwtApproverVerifier.of(jwks, issuer, audience, usernameClaim, groupsClaim, clockSkew);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(source + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ApproverIdentity[issuer=" + issuer + ", audience=" + audience + ", usernameClaim=" + usernameClaim
        + ", groupsClaim=" + groupsClaim + ", clockSkew=" + clockSkew + ", keys from " + source + "]";
  }
}
