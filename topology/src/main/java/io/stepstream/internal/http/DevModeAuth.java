package io.stepstream.internal.http;

import java.util.List;

/**
 * Dev mode only ({@code ./stepstream demo|dev}): anyone on the loopback interface is let in under the
 * name they give in the {@code X-Stepstream-User} header (the console asks for it), unverified, with
 * admin rights. Never used outside dev mode: there the API needs a verified identity.
 */
public final class DevModeAuth implements HttpAuth {
  static final String USER_HEADER = "X-Stepstream-User";

  @Override
  public Caller authenticate(HttpCall call) {
    String name = call.header(USER_HEADER).map(String::strip).filter(s -> !s.isEmpty()).orElse("anonymous");
    return new Caller(name, List.of(), false, null);
  }

  @Override
  public void requireAdmin(Caller caller) {
    // dev mode: everyone is an admin
  }

  @Override
  public String describe() {
    return "dev mode: names are not verified, everyone may run admin operations";
  }
}
