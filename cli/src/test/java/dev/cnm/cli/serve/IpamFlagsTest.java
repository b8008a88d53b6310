package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.cli.Cnm;
import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.store.StoreServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The IPAM flags of {@code cnm serve ipam} (extra address spaces, the vxlan id range) and
 * {@code cnm network create --ipam-address-space} against store, ipam and controller on loopback.
 */
class IpamFlagsTest {
  @TempDir Path dir;

  private static IpamConfig parse(String... args) {
    ServeIpamCommand cmd = new ServeIpamCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.ipamFlags.toConfig();
  }

  @Test
  void serveIpam_addressSpaceAndVxlanIds_reachTheConfig() {
    IpamConfig c = parse("--address-space", "blue", "--address-space", "red,green", "--vxlan-ids", "1-9999:500");
    assertThat(c.spaces()).containsExactly("LocalDefault", "GlobalDefault", "blue", "red", "green");
    assertThat(c.idSets().get("vxlan")).isEqualTo(new IpamConfig.IdRange(1, 9999, 500));
  }

  @Test
  void serveIpam_defaults_vxlanByNumberFrom1AutomaticFrom4096_noExtraSpaces() {
    IpamConfig c = parse();
    assertThat(c.spaces()).containsExactly("LocalDefault", "GlobalDefault");
    assertThat(c.idSets().get("vxlan")).isEqualTo(new IpamConfig.IdRange(1, 16777215, 4096));
  }

  @Test
  void serveIpam_oldVxlanRangeSyntax_stillMeansAutomaticFromFirst() {
    assertThat(parse("--vxlan-ids", "4096-16777215").idSets().get("vxlan"))
        .isEqualTo(new IpamConfig.IdRange(4096, 16777215, 4096));
  }

  @Test
  void networkCreate_ipamAddressSpace_sameSubnetInTwoSpaces() throws Exception {
    ServerOptions options = ServerOptions.insecureListeningOn("127.0.0.1:0");
    ClientOptions client = ClientOptions.plaintext(Telemetry.noop());
    try (StoreServer store = StoreServer.start(StoreServer.Backend.EMBEDDED, dir, List.of(), options);
        IpamServer ipam = IpamServer.start("127.0.0.1:" + store.port(), options, client,
            parse("--address-space", "blue,red"));
        ControllerServer controller = ControllerServer.start("127.0.0.1:" + store.port(), "127.0.0.1:" + ipam.port(),
            options, client)) {
      String target = "127.0.0.1:" + controller.port();
      for (String space : List.of("blue", "red")) {
        StringWriter out = new StringWriter();
        CommandLine cli = Cnm.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("network", "create", "-H", target, "-d", "overlay", "--subnet", "10.230.0.0/24",
            "--ipam-address-space", space, "-o", "vxlan_id=" + (space.equals("blue") ? 100 : 101), "--output", "json",
            "ov-" + space);
        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("\"address_space\": \"" + space + "\"")
            .contains("\"pool_id\": \"" + space + "/10.230.0.0/24\"");
      }
      StringWriter err = new StringWriter();
      CommandLine cli = Cnm.commandLine();
      cli.setErr(new PrintWriter(err, true));
      assertThat(cli.execute("network", "create", "-H", target, "-d", "overlay", "--subnet", "10.231.0.0/24",
          "--ipam-address-space", "green", "ov-green")).isNotZero();
      assertThat(err.toString()).contains("INVALID_ARGUMENT").contains("network.ipam.address_space");
    }
  }
}
