package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.config.ServerOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * With no flags (and no CNM_* variables in the test JVM) every {@code cnm serve} command serves and
 * dials 0600 Unix sockets, never plaintext TCP, and trusts no TCP caller.
 */
class ServeDefaultsTest {
  private static <T> T parse(T command) {
    new CommandLine(command).parseArgs();
    return command;
  }

  @Test
  void serveStoreIpamController_noFlags_listenOnUnixSockets() {
    ServerOptions store = parse(new ServeStoreCommand()).server.toOptions(ServeStoreCommand.DEFAULT_LISTEN);
    ServerOptions ipam = parse(new ServeIpamCommand()).server.toOptions(IpamServer.DEFAULT_LISTEN);
    ServerOptions controller = parse(new ServeControllerCommand()).server.toOptions(ControllerServer.DEFAULT_LISTEN);

    assertThat(store.listenAddresses()).containsExactly("unix:/run/cnm/store.sock");
    assertThat(ipam.listenAddresses()).containsExactly("unix:/run/cnm/ipam.sock");
    assertThat(controller.listenAddresses()).containsExactly("unix:/run/cnm/cnm.sock");
    assertThat(store.insecureTcp() || ipam.insecureTcp() || controller.insecureTcp()).isFalse();
  }

  @Test
  void serveIpamControllerAgent_noFlags_dialTheOthersSockets() {
    ServeControllerCommand controller = parse(new ServeControllerCommand());

    assertThat(parse(new ServeIpamCommand()).store).isEqualTo("unix:/run/cnm/store.sock");
    assertThat(controller.store).isEqualTo("unix:/run/cnm/store.sock");
    assertThat(controller.ipam).isEqualTo("unix:/run/cnm/ipam.sock");
    assertThat(parse(new ServeAgentCommand()).controller).isEqualTo("unix:/run/cnm/cnm.sock");
  }
}
