package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.net.IpPrefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SCTP through cnm's DNAT on the real kernel, packet by packet:
 * <pre>
 *   outside (198.18.93.2) ── veth ── host (198.18.93.1, ip_forward=1, cnm's table)
 *                                      └── cnmt-brd 10.93.1.1/24 ── container 10.93.1.2
 * </pre>
 * A kernel without SCTP sockets ({@code CONFIG_IP_SCTP} unset) cannot run an association,
 * so {@code raw_sctp.py} plays both ends over raw IPv4 sockets of protocol 132: the outside
 * sends an INIT to the published port, the container answers with an INIT-ACK. That is what
 * conntrack's SCTP tracker and cnm's rules act on: the INIT arrives DNATed, the INIT-ACK goes
 * back un-NATed, as from the published address and port.
 */
class FirewallSctpDnatIT {
  private static final String TABLE = "cnmt_fwsdnat";
  @RegisterExtension
  static final FirewallHost FW = new FirewallHost("fdh", TABLE);
  private static final String BRIDGE = "cnmt-brd";
  private static NetnsLab lab;
  private static String host;
  private static String outside;
  private static String container;
  private static Path script;

  private final List<Process> servers = new ArrayList<>();

  @BeforeAll
  static void buildTopology() throws URISyntaxException {
    if (!NetnsLab.run(List.of("sh", "-c", "command -v python3")).ok()) {
      throw new AssertionError("'python3' is missing: install the Debian package python3");
    }
    script = Path.of(FirewallSctpDnatIT.class.getResource("raw_sctp.py").toURI());
    lab = FW.lab();
    host = FW.host();
    outside = lab.namespace("fdo");
    container = lab.namespace("fdc");
    NetnsLab.check(List.of("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
    lab.bridge(host, BRIDGE, "10.93.1.1/24");
    lab.attach(host, null, "cnmt-dout", outside, "198.18.93.2/24", null);
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "198.18.93.1/24", "dev", "cnmt-dout"));
    lab.attach(host, BRIDGE, "cnmt-dc1", container, "10.93.1.2/24", "10.93.1.1");
  }

  @AfterEach
  void stopServers() throws InterruptedException {
    for (Process p : servers) {
      p.destroy();
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private static FirewallNetwork network() {
    return FirewallNetwork.of("sctpnet", BRIDGE, List.of(IpPrefix.parseSubnet("10.93.1.0/24")));
  }

  private static PublishedPort sctp(int hostPort, int containerPort) {
    return PublishedPort.of(Protocol.SCTP, hostPort, InetAddresses.forString("10.93.1.2"), containerPort, BRIDGE);
  }

  /** Starts the container's end: it answers the first INIT it sees, within {@code seconds}. */
  private Process serve(double seconds) {
    try {
      Process p = new ProcessBuilder("ip", "netns", "exec", container, "python3", script.toString(), "serve",
          Double.toString(seconds)).redirectErrorStream(true).start();
      servers.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the container's end printed once it ended (null when it saw no INIT in time). */
  private static String seenByContainer(Process server) throws Exception {
    if (!server.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("raw_sctp.py serve did not end");
    }
    String out = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return server.exitValue() == 0 ? out : null;
  }

  /** What the container's end saw (null: no INIT in time) and what the outside got back. */
  private record Exchange(String seenByContainer, NetnsLab.Result client) {
  }

  /**
   * Applies a table publishing {@code ports}, starts the container's end, then sends INITs from
   * the outside to {@code port} of the host for {@code seconds} (the container's end waits
   * {@code serverSeconds}).
   */
  private Exchange exchange(List<PublishedPort> ports, int port, int sourcePort, double seconds, double serverSeconds)
      throws Exception {
    FW.firewall().apply(new FirewallState(List.of(network()), ports, false));
    Process server = serve(serverSeconds);

    NetnsLab.Result client = connect(port, sourcePort, seconds);

    return new Exchange(seenByContainer(server), client);
  }

  /** Sends INITs from the outside to {@code port} of the host; the INIT-ACK line that came back, or the failure. */
  private static NetnsLab.Result connect(int port, int sourcePort, double seconds) {
    return lab.exec(outside, "python3", script.toString(), "connect", "198.18.93.1", Integer.toString(port),
        Integer.toString(sourcePort), Double.toString(seconds));
  }

  // Each test uses source ports of its own: conntrack entries outlive a table, and an old
  // entry would keep the NAT of an earlier test for a flow with the same ports.

  @Test
  void apply_sctpPublishedPort_initIsDnatedAndTheAnswerComesBackFromThePublishedPort() throws Exception {
    Exchange x = exchange(List.of(PublishedPort.of(Protocol.TCP, 3868, InetAddresses.forString("10.93.1.2"), 80, BRIDGE),
        sctp(3868, 80)), 3868, 41001, 4, 5);

    assertThat(x.seenByContainer()).isEqualTo("INIT 198.18.93.2:41001 -> 10.93.1.2:80");
    assertThat(x.client().out().strip()).isEqualTo("INIT_ACK 198.18.93.1:3868 -> 198.18.93.2:41001");
  }

  @Test
  void apply_sctpHostPortRangeOnAHostAddress_everyPortOfTheRangeReachesTheContainerPort() throws Exception {
    Exchange x = exchange(List.of(new PublishedPort(Protocol.SCTP, Optional.of(InetAddresses.forString("198.18.93.1")),
        2905, 2910, InetAddresses.forString("10.93.1.2"), 2905, BRIDGE)), 2907, 41002, 4, 5);

    assertThat(x.seenByContainer()).isEqualTo("INIT 198.18.93.2:41002 -> 10.93.1.2:2905");
    assertThat(x.client().out().strip()).isEqualTo("INIT_ACK 198.18.93.1:2907 -> 198.18.93.2:41002");
  }

  @Test
  void apply_onlyTcpAndUdpOnThePort_sctpIsNotForwarded() throws Exception {
    Exchange x = exchange(List.of(PublishedPort.of(Protocol.TCP, 3868, InetAddresses.forString("10.93.1.2"), 80, BRIDGE),
        PublishedPort.of(Protocol.UDP, 3868, InetAddresses.forString("10.93.1.2"), 80, BRIDGE)), 3868, 41003, 1, 1.5);

    assertThat(x.seenByContainer()).as("the container saw an INIT").isNull();
    assertThat(x.client().ok()).isFalse();
    assertThat(x.client().out().strip()).isEqualTo("no INIT_ACK");
  }
}
