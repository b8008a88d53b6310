package dev.cnm.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ListenAddressTest {
  @Test
  void parse_hostPort_isTcp() {
    ListenAddress address = ListenAddress.parse("127.0.0.1:7370");

    assertThat(address.kind()).isEqualTo(ListenAddress.Kind.TCP);
    assertThat(address.host()).isEqualTo("127.0.0.1");
    assertThat(address.port()).isEqualTo(7370);
  }

  @Test
  void parse_bracketedIpv6_keepsHostAndPrintsBrackets() {
    ListenAddress address = ListenAddress.parse("[::1]:7372");

    assertThat(address.host()).isEqualTo("::1");
    assertThat(address.toString()).isEqualTo("[::1]:7372");
  }

  @Test
  void parse_unixForms_giveAbsolutePath() {
    assertThat(ListenAddress.parse("unix:/run/cnm/cnm.sock").socketPath()).isEqualTo(Path.of("/run/cnm/cnm.sock"));
    assertThat(ListenAddress.parse("unix:///run/cnm/cnm.sock").socketPath()).isEqualTo(Path.of("/run/cnm/cnm.sock"));
  }

  @Test
  void parse_portOnly_everyInterface() {
    ListenAddress address = ListenAddress.parse(":9100");

    assertThat(address.host()).isEqualTo("0.0.0.0");
    assertThat(address.port()).isEqualTo(9100);
  }

  @Test
  void parse_inProcess_keepsName() {
    assertThat(ListenAddress.parse("inprocess:store").inProcessName()).isEqualTo("store");
  }

  @Test
  void parse_bad_namesTheAcceptedForms() {
    assertThatThrownBy(() -> ListenAddress.parse("localhost")).hasMessageContaining("HOST:PORT, unix:/path or inprocess:NAME");
    assertThatThrownBy(() -> ListenAddress.parse("h:99999")).hasMessageContaining("0-65535");
    assertThatThrownBy(() -> ListenAddress.parse("h:x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> ListenAddress.parse("unix:relative.sock")).hasMessageContaining("absolute path");
  }
}
