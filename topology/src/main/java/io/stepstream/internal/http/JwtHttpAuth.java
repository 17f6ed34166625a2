package io.stepstream.internal.http;

import io.stepstream.internal.identity.IdentityRejected;
import io.stepstream.internal.identity.JwtApproverVerifier;
import io.stepstream.internal.identity.VerifiedApprover;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The HTTP API and console behind the engine's approver identity provider: every call sends the
 * caller's JWT as {@code Authorization: Bearer <token>}, checked exactly as decisions are (the same
 * {@link JwtApproverVerifier}: signature by a JWKS key, expiry, issuer, audience). The caller is the
 * token's username claim with its groups claim; admin operations need one of the admin groups.
 *
 * <pre>{@code
 * HttpAuth auth = new JwtHttpAuth(verifier, Set.of("stepstream-admins"), Clock.systemUTC());
 * Caller who = auth.authenticate(call);   // 401 without a valid token
 * auth.requireAdmin(who);                 // 403 unless who is in stepstream-admins
 * }</pre>
 *
 * <p>The token is kept in the {@link Caller} so a decision made through the console carries it and
 * the orchestrator verifies it again (it decides, not this endpoint).
 */
public final class JwtHttpAuth implements HttpAuth {
  static final String AUTHORIZATION = "Authorization";
  private static final String BEARER = "bearer ";

  private final JwtApproverVerifier verifier;
  private final Set<String> adminGroups;
  private final Clock clock;

  public JwtHttpAuth(JwtApproverVerifier verifier, Set<String> adminGroups, Clock clock) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.adminGroups = Set.copyOf(new TreeSet<>(adminGroups));
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Caller authenticate(HttpCall call) {
    String header = call.header(AUTHORIZATION).map(String::strip).orElse("");
    if (header.isEmpty()) {
      throw new HttpProblem(401, "sign in: send your JWT from " + verifier.issuer() + " (audience '" + verifier.audience()
          + "') as 'Authorization: Bearer <token>'");
    }
    if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new HttpProblem(401, "the Authorization header is not 'Bearer <token>': send your JWT from " + verifier.issuer());
    }
    String token = header.substring(BEARER.length()).strip();
    try {
      VerifiedApprover who = verifier.verify(token, clock.instant());
      return new Caller(who.username(), who.groups(), true, token);
    } catch (IdentityRejected e) {
      // the message completes "the identity token ...": it names what to fix (expired, wrong audience, ...)
      throw new HttpProblem(401, "the identity token " + e.getMessage() + "; sign in again with a token from " + verifier.issuer());
    }
  }

  @Override
  public void requireAdmin(Caller caller) {
    if (adminGroups.isEmpty()) {
      throw new HttpProblem(403, "admin operations are off: no admin group is configured (Stepstream.Builder.httpAdminGroups(...)"
          + " / stepstream engine --http-admin-group GROUP)");
    }
    List<String> groups = caller.groups();
    if (groups.stream().noneMatch(adminGroups::contains)) {
      throw new HttpProblem(403, caller.name() + " may not run admin operations: that needs one of the groups " + new TreeSet<>(adminGroups)
          + ", and the token's groups are " + groups);
    }
  }

  @Override
  public String describe() {
    return "JWT from " + verifier.issuer() + " (audience " + verifier.audience() + "), admin groups "
        + (adminGroups.isEmpty() ? "none (admin operations off)" : new TreeSet<>(adminGroups).toString());
  }
}
