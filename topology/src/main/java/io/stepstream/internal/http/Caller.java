package io.stepstream.internal.http;

import java.util.List;

/**
 * Who sent an HTTP request, as {@link HttpAuth} established it.
 *
 * @param name the user name (recorded as {@code requestedBy} of commands and as the approver of decisions)
 * @param groups the user's groups (admin operations need one of the configured admin groups)
 * @param verified true when a credential proved the name (a JWT checked against the identity provider's keys);
 *     false in dev mode, where the name is whatever the caller says
 * @param token the credential as presented (a JWT), passed on with decisions so the orchestrator verifies it
 *     again; null when there is none
 */
public record Caller(String name, List<String> groups, boolean verified, String token) {
  public Caller {
    groups = List.copyOf(groups);
  }
}
