package dev.cnm.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of id ranges and validation of operator-defined address spaces. */
class IpamConfigTest {
  @Test
  void idRangeParse_withAutomaticStart_keepsBoth() {
    assertThat(IpamConfig.IdRange.parse("1-16777215:4096")).isEqualTo(new IpamConfig.IdRange(1, 16777215, 4096));
  }

  @Test
  void idRangeParse_withoutAutomaticStart_handsOutFromFirst() {
    assertThat(IpamConfig.IdRange.parse("4096-16777215")).isEqualTo(new IpamConfig.IdRange(4096, 16777215, 4096));
  }

  @Test
  void idRangeParse_automaticStartOutsideRangeOrGarbage_isRefused() {
    for (String bad : List.of("1-100:200", "10-100:5", "100-1", "x", "1-2:y", "5")) {
      assertThatThrownBy(() -> IpamConfig.IdRange.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
  }

  @Test
  void defaults_vxlanByNumberFrom1_automaticFrom4096() {
    assertThat(IpamConfig.defaults().idSets().get(IpamConfig.VXLAN)).isEqualTo(new IpamConfig.IdRange(1, 16777215, 4096));
  }

  @Test
  void withExtraSpaces_knowsThem_andCutsTheirDefaultsFromTheGlobalOnes() {
    IpamConfig c = IpamConfig.defaults().withExtraSpaces(List.of("blue", "red.2"));
    assertThat(c.spaces()).containsExactly("LocalDefault", "GlobalDefault", "blue", "red.2");
    assertThat(c.knowsSpace("blue")).isTrue();
    assertThat(c.knowsSpace("green")).isFalse();
    assertThat(c.defaultsOf("blue")).isEqualTo(c.globalDefaults());
    assertThat(c.withTxnsInFlight(3).extraSpaces()).containsExactly("blue", "red.2");
  }

  @Test
  void withExtraSpaces_badOrDuplicateName_isRefused() {
    for (List<String> bad : List.of(List.of("a/b"), List.of(""), List.of("-x"), List.of("GlobalDefault"),
        List.of("x", "x"))) {
      assertThatThrownBy(() -> IpamConfig.defaults().withExtraSpaces(bad)).as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
