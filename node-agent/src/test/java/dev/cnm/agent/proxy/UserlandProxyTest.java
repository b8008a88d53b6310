package dev.cnm.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.cnm.agent.firewall.Protocol;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UserlandProxyTest {
  private static final InetAddress LOOPBACK = InetAddresses.forString("127.0.0.1");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final LoopbackEchoServers servers = new LoopbackEchoServers();
  private UserlandProxy proxy;

  @AfterEach
  void tearDown() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    servers.close();
  }

  private UserlandProxy proxy(boolean enabled) {
    proxy = new UserlandProxy(UserlandProxyConfig.enabled(enabled), registry);
    return proxy;
  }

  /** A binding on 127.0.0.1:hostPort to a "container" that is a loopback echo server. */
  private static PublishedPort loopbackBinding(Protocol protocol, int hostPort, int targetPort) {
    return new PublishedPort(protocol, Optional.of(LOOPBACK), hostPort, hostPort, LOOPBACK, targetPort, "cnm0");
  }

  @Test
  void specsFor_anyHost_listensOnLoopbackOfTheContainersFamily() {
    PublishedPort v4 = PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm0");
    PublishedPort v6 = PublishedPort.of(Protocol.UDP, 5353, InetAddresses.forString("fd00::2"), 53, "cnm0");

    assertThat(UserlandProxy.specsFor(v4)).singleElement().hasToString("tcp 127.0.0.1:8080 -> 172.18.0.2:80");
    assertThat(UserlandProxy.specsFor(v6)).singleElement().hasToString("udp [::1]:5353 -> [fd00::2]:53");
  }

  @Test
  void specsFor_specificNonLoopbackHost_needsNoListener() {
    PublishedPort p = new PublishedPort(Protocol.TCP, Optional.of(InetAddresses.forString("192.0.2.7")), 80, 80,
        InetAddresses.forString("172.18.0.2"), 80, "cnm0");

    assertThat(UserlandProxy.specsFor(p)).isEmpty();
  }

  @Test
  void specsFor_hostPortRange_oneListenerPerPort() {
    PublishedPort p = new PublishedPort(Protocol.TCP, Optional.empty(), 8000, 8002,
        InetAddresses.forString("172.18.0.2"), 80, "cnm0");

    assertThat(UserlandProxy.specsFor(p)).extracting(s -> s.listen().getPort()).containsExactly(8000, 8001, 8002);
  }

  @Test
  void specsFor_sctp_needsNoListenerOnAnyHostAddress() {
    PublishedPort anyHost = PublishedPort.of(Protocol.SCTP, 3868, InetAddresses.forString("172.18.0.2"), 3868, "cnm0");
    PublishedPort loopbackHost = new PublishedPort(Protocol.SCTP, Optional.of(LOOPBACK), 2905, 2906,
        InetAddresses.forString("172.18.0.2"), 2905, "cnm0");

    assertThat(UserlandProxy.specsFor(anyHost)).isEmpty();
    assertThat(UserlandProxy.specsFor(loopbackBinding(Protocol.SCTP, 3868, 3868))).isEmpty();
    assertThat(UserlandProxy.specsFor(loopbackHost)).isEmpty();
  }

  @Test
  void proxySpec_sctp_isInvalidArgument() {
    InetSocketAddress listen = new InetSocketAddress(LOOPBACK, 3868);
    InetSocketAddress target = new InetSocketAddress(InetAddresses.forString("172.18.0.2"), 3868);

    assertThatThrownBy(() -> new ProxySpec(Protocol.SCTP, listen, target))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("proxy.protocol").hasMessageContaining("sctp is published by kernel NAT only");
  }

  @Test
  void sync_sctpBesideTcpAndUdp_startsOnlyTheTcpAndUdpListeners() throws Exception {
    int tcpTarget = servers.tcp();
    int udpTarget = servers.udp();
    int shared = LoopbackEchoServers.freePort();
    int sctpOnly = LoopbackEchoServers.freePort();

    proxy(true).sync(List.of(
        loopbackBinding(Protocol.SCTP, shared, tcpTarget),
        loopbackBinding(Protocol.TCP, shared, tcpTarget),
        loopbackBinding(Protocol.UDP, shared, udpTarget),
        loopbackBinding(Protocol.SCTP, sctpOnly, tcpTarget)));

    assertThat(proxy.running()).hasSize(2);
    assertThat(registry.get("cnm.agent.proxy.listeners").gauge().value()).isEqualTo(2);
    try (Socket client = new Socket(LOOPBACK, shared)) {
      client.setSoTimeout(3000);
      client.getOutputStream().write('s');
      assertThat(client.getInputStream().read()).isEqualTo('s');
    }
    try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
      client.setSoTimeout(3000);
      send(client, "beside sctp", shared);
      assertThat(receive(client)).isEqualTo("echo:beside sctp");
    }
    // No tcp or udp stand-in was bound for the sctp-only port.
    try (ServerSocket tcp = new ServerSocket(sctpOnly, 1, LOOPBACK);
         DatagramSocket udp = new DatagramSocket(sctpOnly, LOOPBACK)) {
      assertThat(tcp.getLocalPort()).isEqualTo(sctpOnly);
      assertThat(udp.getLocalPort()).isEqualTo(sctpOnly);
    }
  }

  @Test
  void sync_tcpBinding_relaysBothWaysAndPassesTheHalfClose() throws Exception {
    int target = servers.tcp();
    int hostPort = LoopbackEchoServers.freePort();
    proxy(true).sync(List.of(loopbackBinding(Protocol.TCP, hostPort, target)));
    byte[] payload = new byte[2 * 1024 * 1024];
    new Random(7).nextBytes(payload);

    byte[] echoed;
    try (Socket client = new Socket(LOOPBACK, hostPort)) {
      Thread writer = new Thread(() -> {
        try {
          client.getOutputStream().write(payload);
          client.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      echoed = client.getInputStream().readAllBytes();
      writer.join();
    }

    assertThat(echoed).hasSize(payload.length);
    assertThat(Arrays.equals(echoed, payload)).isTrue();
    assertThat(registry.get("cnm.agent.proxy.connections").tag("protocol", "tcp").counter().count()).isEqualTo(1);
    assertThat(registry.get("cnm.agent.proxy.listeners").gauge().value()).isEqualTo(1);
  }

  @Test
  void sync_udpBinding_repliesReachEachClient() throws Exception {
    int target = servers.udp();
    int hostPort = LoopbackEchoServers.freePort();
    proxy(true).sync(List.of(loopbackBinding(Protocol.UDP, hostPort, target)));

    try (DatagramSocket a = new DatagramSocket(0, LOOPBACK); DatagramSocket b = new DatagramSocket(0, LOOPBACK)) {
      a.setSoTimeout(3000);
      b.setSoTimeout(3000);
      send(a, "from a", hostPort);
      send(b, "from b", hostPort);

      assertThat(receive(a)).isEqualTo("echo:from a");
      assertThat(receive(b)).isEqualTo("echo:from b");
      send(a, "again", hostPort);
      assertThat(receive(a)).isEqualTo("echo:again");
    }
    assertThat(registry.get("cnm.agent.proxy.connections").tag("protocol", "udp").counter().count()).isEqualTo(2);
  }

  @Test
  void sync_bindingGone_stopsItsListener() throws Exception {
    int target = servers.tcp();
    int hostPort = LoopbackEchoServers.freePort();
    proxy(true).sync(List.of(loopbackBinding(Protocol.TCP, hostPort, target)));
    assertThat(proxy.running()).hasSize(1);

    proxy.sync(List.of());

    assertThat(proxy.running()).isEmpty();
    assertThat(stopsAcceptingWithin(hostPort, 2000)).as("something still listens on %d", hostPort).isTrue();
  }

  @Test
  void sync_sameBindingsAgain_keepsListenersAndOpenConnections() throws Exception {
    int target = servers.tcp();
    int hostPort = LoopbackEchoServers.freePort();
    List<PublishedPort> ports = List.of(loopbackBinding(Protocol.TCP, hostPort, target));
    proxy(true).sync(ports);
    PortProxy before = proxy.running().get(0);

    try (Socket client = new Socket(LOOPBACK, hostPort)) {
      client.setSoTimeout(3000);
      client.getOutputStream().write('a');
      assertThat(client.getInputStream().read()).isEqualTo('a');

      proxy.sync(ports);

      assertThat(proxy.running()).containsExactly(before);
      client.getOutputStream().write('b');
      assertThat(client.getInputStream().read()).isEqualTo('b');
    }
  }

  @Test
  void sync_udpPortHeldByAnotherProcess_failsNamingIt() throws Exception {
    int target = servers.udp();
    try (DatagramSocket squatter = new DatagramSocket(0, LOOPBACK)) {
      int taken = squatter.getLocalPort();

      assertThatThrownBy(() -> proxy(true).sync(List.of(loopbackBinding(Protocol.UDP, taken, target))))
          .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.reason()).isEqualTo("HOST_PORT_IN_USE"))
          .hasMessageContaining("udp 127.0.0.1:" + taken);
      assertThat(proxy.running()).isEmpty();
    }
  }

  @Test
  void sync_disabled_startsNothing() throws Exception {
    int target = servers.tcp();
    int hostPort = LoopbackEchoServers.freePort();

    proxy(false).sync(List.of(loopbackBinding(Protocol.TCP, hostPort, target)));

    assertThat(proxy.enabled()).isFalse();
    assertThat(proxy.running()).isEmpty();
    assertThat(acceptsConnections(hostPort)).as("something listens on %d", hostPort).isFalse();
  }

  @Test
  void sync_portHeldByAnotherProcess_failsNamingItAndStartsTheOthers() throws Exception {
    int target = servers.tcp();
    int freePort = LoopbackEchoServers.freePort();
    try (ServerSocket squatter = new ServerSocket(0, 1, LOOPBACK)) {
      int taken = squatter.getLocalPort();
      PublishedPort clash = loopbackBinding(Protocol.TCP, taken, target);
      PublishedPort fine = loopbackBinding(Protocol.TCP, freePort, target);

      assertThatThrownBy(() -> proxy(true).sync(List.of(clash, fine)))
          .isInstanceOfSatisfying(CnmException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
            assertThat(e.reason()).isEqualTo("HOST_PORT_IN_USE");
          })
          .hasMessageContaining("127.0.0.1:" + taken);
      assertThat(proxy.running()).extracting(p -> p.localAddress().getPort()).containsExactly(freePort);
    }
  }

  @Test
  void tcp_targetDown_closesTheClientAndCountsTheFailure() throws Exception {
    int deadTarget = LoopbackEchoServers.freePort();
    int hostPort = LoopbackEchoServers.freePort();
    proxy(true).sync(List.of(loopbackBinding(Protocol.TCP, hostPort, deadTarget)));

    try (Socket client = new Socket(LOOPBACK, hostPort)) {
      client.setSoTimeout(5000);
      InputStream in = client.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(registry.get("cnm.agent.proxy.connect.failures").counter().count()).isEqualTo(1);
  }

  private static void send(DatagramSocket socket, String text, int port) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(LOOPBACK, port)));
  }

  private static String receive(DatagramSocket socket) throws IOException {
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    socket.receive(p);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  /**
   * Whether a listener answers on 127.0.0.1:port. A loopback client may be given `port` itself as
   * its ephemeral port and then connects to itself (TCP simultaneous open); that is not a listener,
   * so such an attempt is repeated.
   */
  private static boolean acceptsConnections(int port) {
    for (int attempt = 0; attempt < 5; attempt++) {
      try (Socket s = new Socket(LOOPBACK, port)) {
        if (s.getLocalPort() != port) {
          return true;
        }
      } catch (IOException refused) {
        return false;
      }
    }
    return false;
  }

  /**
   * Waits until nothing accepts on 127.0.0.1:port. Java NIO releases a closed listener's socket
   * on the selector's next pass, so for a few milliseconds after close() a connect may still land.
   */
  private static boolean stopsAcceptingWithin(int port, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (acceptsConnections(port)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }
}
