package dev.cnm.runtime.ids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void newId_is64LowerCaseHex_andPassesBothChecks() {
    String id = Ids.newId();

    assertThat(id).matches("[0-9a-f]{64}");
    assertThat(Ids.isIdPrefix(id)).isTrue();
    assertThat(Ids.check("id", id)).isEqualTo(id);
    assertThat(Ids.shortId(id)).isEqualTo(id.substring(0, 12));
  }

  @Test
  void isIdPrefix_shorterThanTwelveOrNotHex_isFalse() {
    assertThat(Ids.isIdPrefix("0123456789a")).isFalse();
    assertThat(Ids.isIdPrefix("0123456789ab")).isTrue();
    assertThat(Ids.isIdPrefix("0123456789aB")).isFalse();
  }

  @Test
  void check_readableIdsPass_badOnesAreInvalidArgumentNamingTheField() {
    assertThat(Ids.check("endpoint_id", "ep-1.a_b")).isEqualTo("ep-1.a_b");
    assertThatThrownBy(() -> Ids.check("endpoint_id", "-ep")).hasMessageContaining("endpoint_id");
    assertThatThrownBy(() -> Ids.check("endpoint_id", "a".repeat(129))).hasMessageContaining("bad id");
    assertThatThrownBy(() -> Ids.check("endpoint_id", null)).hasMessageContaining("bad id");
  }
}
