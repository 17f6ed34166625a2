package io.stepstream.internal.approvals;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The approval keys an engine holds: exactly one signs new tokens, the others only verify tokens
 * issued before a rotation. Immutable.
 *
 * <pre>{@code
 * ApprovalKeyring ring = ApprovalKeyring.signingWith(ApprovalKey.of("2026-02", newSecret))
 *     .withVerificationKey(ApprovalKey.of("default", oldSecret));   // pending approvals still verify
 * }</pre>
 */
public final class ApprovalKeyring {
  private final ApprovalKey signing;
  private final Map<String, ApprovalKey> byKid;

  private ApprovalKeyring(ApprovalKey signing, Map<String, ApprovalKey> byKid) {
    this.signing = signing;
    this.byKid = byKid;
  }

  public static ApprovalKeyring signingWith(ApprovalKey signing) {
    Map<String, ApprovalKey> keys = new LinkedHashMap<>();
    keys.put(signing.kid(), signing);
    return new ApprovalKeyring(signing, keys);
  }

  /** A copy that also verifies tokens signed with {@code key}; a different secret under a key id already held is refused. */
  public ApprovalKeyring withVerificationKey(ApprovalKey key) {
    ApprovalKey held = byKid.get(key.kid());
    if (held != null && !held.sameSecret(key)) {
      throw new IllegalArgumentException("two different approval secrets have key id '" + key.kid()
          + "'; give every secret its own key id (a token names the key that signed it)");
    }
    Map<String, ApprovalKey> keys = new LinkedHashMap<>(byKid);
    keys.putIfAbsent(key.kid(), key);
    return new ApprovalKeyring(signing, keys);
  }

  public ApprovalKey signing() {
    return signing;
  }

  public Optional<ApprovalKey> find(String kid) {
    return Optional.ofNullable(byKid.get(kid));
  }

  /** Every key, the signing key first. */
  public Collection<ApprovalKey> keys() {
    return List.copyOf(byKid.values());
  }

  @Override
  public String toString() {
    return "ApprovalKeyring[signing=" + signing.kid() + ", verifying=" + byKid.keySet() + "]";
  }
}
