package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResolvConfRenderTest {
  @Test
  void render_noOptions_namesResolverWithNdotsZero() {
    assertThat(ResolvConfRender.render(List.of(), List.of()))
        .isEqualTo("nameserver 127.0.0.11\noptions ndots:0\n");
  }

  @Test
  void render_sandboxOptionsAndSearch_keptAsGiven() {
    assertThat(ResolvConfRender.render(List.of("corp.example", "example"), List.of("ndots:2", "timeout:1")))
        .isEqualTo("nameserver 127.0.0.11\nsearch corp.example example\noptions ndots:2 timeout:1\n");
  }

  @Test
  void render_searchDot_meansNoSearchLine() {
    assertThat(ResolvConfRender.render(List.of("."), List.of())).doesNotContain("search");
  }
}
