package io.stepstream.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DecisionTest {
  @Test
  void aDecisionIsBuiltByCopiesAndKeepsEveryPart() {
    Decision base = Decision.approve("r-42", "refund-review");
    Decision full = base.approver("alice").groups("support-leads").comment("ok, half").edited(210).identityToken("eyJ.eyJ.sig");

    assertThat(base.approver()).isEmpty();
    assertThat(base.identityToken()).isNull();
    assertThat(full.approved()).isTrue();
    assertThat(full.approver()).isEqualTo("alice");
    assertThat(full.groups()).containsExactly("support-leads");
    assertThat(full.comment()).isEqualTo("ok, half");
    assertThat(full.edited()).isEqualTo(210);
    assertThat(full.identityToken()).isEqualTo("eyJ.eyJ.sig");
  }

  @Test
  void aRejectionCarriesItsReason() {
    Decision d = Decision.reject("r-42", "refund-review", "fraud suspected").groups(List.of());

    assertThat(d.approved()).isFalse();
    assertThat(d.reason()).isEqualTo("fraud suspected");
  }

  @Test
  void theIdentityTokenNeverShowsInToString() {
    assertThat(Decision.approve("r-42", "refund-review").identityToken("eyJ.secret.sig").toString())
        .contains("r-42/refund-review", "identity token")
        .doesNotContain("secret");
  }
}
