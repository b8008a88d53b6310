package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamsTest {
  @Test
  void of_fourServers_keepsTheFirstThreeOnPort53() throws Exception {
    Upstreams u = Upstreams.of(List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.2"),
        InetAddress.getByName("127.0.0.53"), InetAddress.getByName("10.0.0.4")));
    assertThat(u.servers()).hasSize(3);
    assertThat(u.servers().get(2).getAddress().getHostAddress()).isEqualTo("127.0.0.53");
    assertThat(u.servers()).allMatch(s -> s.getPort() == 53);
    assertThat(u.timeout()).isEqualTo(Upstreams.DEFAULT_TIMEOUT);
  }

  @Test
  void new_zeroTimeout_refused() {
    assertThatThrownBy(() -> Upstreams.of(List.of(), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
  }
}
