package io.stepstream.internal.approvals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ApprovalKeyringTest {
  private static final ApprovalKey NEW = ApprovalKey.of("2026-02", "new-secret-0123456789");
  private static final ApprovalKey OLD = ApprovalKey.of("default", "old-secret-0123456789");

  @Test
  void theSigningKeyAndTheVerificationKeysAreAllFoundByTheirKeyId() {
    ApprovalKeyring ring = ApprovalKeyring.signingWith(NEW).withVerificationKey(OLD);

    assertThat(ring.signing().kid()).isEqualTo("2026-02");
    assertThat(ring.find("2026-02")).contains(NEW);
    assertThat(ring.find("default")).contains(OLD);
    assertThat(ring.find("2025-01")).isEmpty();
    assertThat(ring.keys()).containsExactly(NEW, OLD);
  }

  @Test
  void twoKeysWithOneKeyIdAreRefusedNamingTheKeyId() {
    assertThatThrownBy(() -> ApprovalKeyring.signingWith(NEW).withVerificationKey(ApprovalKey.of("2026-02", "other-secret-0123456789")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'2026-02'");
  }

  @Test
  void theSameKeyGivenTwiceIsHarmless() {
    ApprovalKeyring ring = ApprovalKeyring.signingWith(NEW).withVerificationKey(ApprovalKey.of("2026-02", "new-secret-0123456789"));

    assertThat(ring.keys()).containsExactly(NEW);
  }

  @Test
  void aShortSecretOrAKeyIdThatCannotBeWrittenInATokenIsRefused() {
    assertThatThrownBy(() -> ApprovalKey.of("k1", "short"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> ApprovalKey.of("k.1", "long-enough-secret-0123"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("letters, digits");
    assertThatThrownBy(() -> ApprovalKey.of("", "long-enough-secret-0123"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aKeyNeverShowsItsSecret() {
    assertThat(NEW.toString()).contains("2026-02").doesNotContain("new-secret");
  }
}
