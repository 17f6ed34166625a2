package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PromiseIdsTest {
  @Test
  void anIdNamesItsRunAndPromiseAndIsTheSameEveryTime() {
    String id = PromiseIds.format("r-42", "payment");
    assertThat(id).startsWith("prm_").isEqualTo(PromiseIds.format("r-42", "payment"));
    assertThat(id).doesNotContain("=", "+", "/");
    assertThat(PromiseIds.parse(id)).isEqualTo(new PromiseIds.Parsed("r-42", "payment"));
  }

  @Test
  void namesWithAnyCharactersRoundTrip() {
    String id = PromiseIds.format("order/ü 1:2", "tool-3:ok?");
    assertThat(PromiseIds.parse(id)).isEqualTo(new PromiseIds.Parsed("order/ü 1:2", "tool-3:ok?"));
  }

  @Test
  void aMalformedIdIsRefusedWithWhatToDo() {
    assertThatThrownBy(() -> PromiseIds.parse("r-42")).hasMessageContaining("does not start with 'prm_'").hasMessageContaining("ctx.promise");
    assertThatThrownBy(() -> PromiseIds.parse("prm_***")).hasMessageContaining("not base64url");
    assertThatThrownBy(() -> PromiseIds.parse("prm_")).hasMessageContaining("empty");
    String id = PromiseIds.format("r-42", "payment");
    assertThatThrownBy(() -> PromiseIds.parse(id.substring(0, 8))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PromiseIds.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
