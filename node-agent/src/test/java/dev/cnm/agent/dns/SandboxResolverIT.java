package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Namespaces;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver in real namespaces, asked by the tools containers use: dig, busybox nslookup and
 * the libc resolver through getent.
 */
class SandboxResolverIT {
  private static final String NET_A = "net-a";
  private static final String NET_B = "net-b";
  private static final String WEB_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private DnsLab lab;

  @BeforeAll
  static void tools() {
    DnsLab.requireTools();
  }

  @BeforeEach
  void setUp() {
    lab = new DnsLab();
  }

  @AfterEach
  void tearDown() throws Exception {
    lab.close();
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  /** Network A: web (this sandbox), db with an alias, two caches sharing "cache"; network B: secret. */
  private static List<DnsEndpoint> endpoints() throws Exception {
    return List.of(
        new DnsEndpoint(NET_A, "web", List.of(), WEB_ID, "webhost", List.of(ip("10.89.0.2"), ip("fd89::2"))),
        new DnsEndpoint(NET_A, "db", List.of("database"), "dbc", "dbhost", List.of(ip("10.89.0.3"))),
        new DnsEndpoint(NET_A, "cache1", List.of("cache"), "c1", "c1", List.of(ip("10.89.0.4"))),
        new DnsEndpoint(NET_A, "cache2", List.of("cache"), "c2", "c2", List.of(ip("10.89.0.5"))),
        new DnsEndpoint(NET_B, "secret", List.of("hidden"), "sc", "secrethost", List.of(ip("10.90.0.2"))));
  }

  private SandboxResolver webResolver(NetNamespace ns, Upstreams upstreams) throws Exception {
    return lab.resolver(ns, ResolverRecords.of(Set.of(NET_A), endpoints()), upstreams);
  }

  @Test
  void start_loopbackDown_bringsItUpAndDigResolvesEveryKindOfName() throws Exception {
    NetNamespace web = lab.sandbox("web");
    webResolver(web, Upstreams.none());

    assertThat(lab.digShort(web, "db")).containsExactly("10.89.0.3");
    assertThat(lab.digShort(web, "DataBase.")).containsExactly("10.89.0.3");
    assertThat(lab.digShort(web, "dbhost")).containsExactly("10.89.0.3");
    assertThat(lab.dig(web, "+short", WEB_ID).out()).as("a 64-hex id is no DNS label: dig refuses it").contains("label too long");
    assertThat(lab.digShort(web, WEB_ID.substring(0, 12))).containsExactly("10.89.0.2");
    assertThat(lab.digShort(web, "webhost", "AAAA")).containsExactly("fd89::2");
    assertThat(lab.digShort(web, "-x", "10.89.0.3")).containsExactly("db.");
    assertThat(lab.digShort(web, "-x", "fd89::2")).containsExactly("web.");

    DnsLab.Run full = lab.dig(web, "db");
    System.out.println("dig @127.0.0.11 db:\n" + full.out());
    assertThat(full.out()).contains("status: NOERROR").contains("flags: qr aa rd ra").contains("db.\t\t\t5\tIN\tA\t10.89.0.3");
    DnsLab.Run noV6 = lab.dig(web, "db", "AAAA");
    assertThat(noV6.out()).as("a name of ours without IPv6 is NODATA, not NXDOMAIN")
        .contains("status: NOERROR").contains("ANSWER: 0");
  }

  @Test
  void query_busyboxNslookupAndGetent_resolveNamesThroughResolvConf() throws Exception {
    NetNamespace web = lab.sandbox("web");
    webResolver(web, Upstreams.none());

    DnsLab.Run nslookup = lab.in(web, "busybox", "nslookup", "database", "127.0.0.11");
    assertThat(nslookup.out()).as(nslookup.out()).contains("10.89.0.3");
    String resolvConf = ResolvConfRender.render(List.of(), List.of());
    DnsLab.Run getent = lab.withResolvConf(web, resolvConf, "getent hosts db && getent hosts cache1");
    assertThat(getent.code()).as(getent.out()).isZero();
    assertThat(getent.out()).contains("10.89.0.3").contains("db").contains("10.89.0.4");
  }

  @Test
  void query_nameSharedByTwoEndpoints_returnsBothInRotatingOrder() throws Exception {
    NetNamespace web = lab.sandbox("web");
    webResolver(web, Upstreams.none());

    List<String> first = lab.digShort(web, "cache");
    List<String> second = lab.digShort(web, "cache");
    assertThat(first).containsExactlyInAnyOrder("10.89.0.4", "10.89.0.5");
    assertThat(second).containsExactlyInAnyOrder("10.89.0.4", "10.89.0.5");
    assertThat(second.get(0)).as("round robin: the next lookup starts with the other address").isNotEqualTo(first.get(0));
  }

  @Test
  void query_nameOfAnotherNetwork_isNxdomainThereAndAnsweredOnItsOwnNetwork() throws Exception {
    NetNamespace web = lab.sandbox("web");
    NetNamespace other = lab.sandbox("other");
    webResolver(web, Upstreams.none());
    lab.resolver(other, ResolverRecords.of(Set.of(NET_B), endpoints()), Upstreams.none());

    assertThat(lab.dig(web, "secret").out()).contains("status: NXDOMAIN");
    assertThat(lab.dig(web, "hidden").out()).contains("status: NXDOMAIN");
    assertThat(lab.digShort(other, "secret")).containsExactly("10.90.0.2");
    assertThat(lab.dig(other, "db").out()).contains("status: NXDOMAIN");
    assertThat(lab.digShort(web, "db")).containsExactly("10.89.0.3");
  }

  @Test
  void query_tcp_answeredOverTcp() throws Exception {
    NetNamespace web = lab.sandbox("web");
    webResolver(web, Upstreams.none());

    DnsLab.Run r = lab.dig(web, "+tcp", "database");
    assertThat(r.out()).contains("status: NOERROR").contains("10.89.0.3").contains("(TCP)");
  }

  @Test
  void query_notOurs_forwardedToUpstreamOverUdpAndOverTcpOnTruncation() throws Exception {
    String chunk = "x".repeat(200);
    DnsLab.Upstream up = lab.upstream("--address=/example.test/10.53.0.7", "--address=/nx.test/",
        "--txt-record=big.example.test," + chunk + "," + chunk + "," + chunk);
    NetNamespace web = lab.sandbox("web");
    webResolver(web, DnsLab.upstreams(Duration.ofSeconds(1), up.address()));

    assertThat(lab.digShort(web, "www.example.test")).containsExactly("10.53.0.7");
    assertThat(lab.digShort(web, "+tcp", "www.example.test")).containsExactly("10.53.0.7");
    assertThat(lab.dig(web, "ghost.nx.test").out()).as("the upstream's NXDOMAIN is passed on").contains("status: NXDOMAIN");
    assertThat(lab.digShort(web, "db")).as("our names are still ours").containsExactly("10.89.0.3");

    // Without EDNS the 600-byte answer cannot come over UDP: the upstream truncates, the resolver asks it again
    // over TCP, and (answering over UDP) passes TC on so dig asks us again over TCP.
    DnsLab.Run big = lab.dig(web, "+noedns", "big.example.test", "TXT");
    assertThat(big.code()).as(big.out()).isZero();
    assertThat(big.out()).contains("status: NOERROR").contains(chunk).contains("(TCP)");
    DnsLab.Run cut = lab.dig(web, "+noedns", "+ignore", "big.example.test", "TXT");
    assertThat(cut.out()).as("over UDP the client gets TC, not a broken answer").contains(" tc").doesNotContain(chunk);
    DnsLab.Run bigTcp = lab.dig(web, "+tcp", "+noedns", "big.example.test", "TXT");
    assertThat(bigTcp.out()).contains("status: NOERROR").contains(chunk);
  }

  @Test
  void query_upstreamNeverAnswers_servfailWithinTimeoutWhileOtherQueriesAreAnswered() throws Exception {
    DnsLab.Upstream up = lab.upstream("--address=/example.test/10.53.0.7");
    NetNamespace web = lab.sandbox("web");
    Duration timeout = Duration.ofMillis(1500);
    SandboxResolver resolver = webResolver(web, DnsLab.upstreams(timeout, up.blackHole()));

    CompletableFuture<DnsLab.Run> slow = CompletableFuture.supplyAsync(
        () -> lab.dig(web, "+timeout=8", "www.example.test"));
    Thread.sleep(200);
    DnsLab.Run ours = lab.dig(web, "db");
    assertThat(ours.out()).contains("10.89.0.3");
    assertThat(slow).as("our name is answered while the forward still waits").isNotDone();
    DnsLab.Run failed = slow.get();
    assertThat(failed.out()).contains("status: SERVFAIL");
    assertThat(failed.took()).as("SERVFAIL after the upstream's timeout, not a hang")
        .isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(3));

    resolver.upstreams(DnsLab.upstreams(Duration.ofMillis(700), up.blackHole(), up.address()));
    DnsLab.Run next = lab.dig(web, "www.example.test");
    assertThat(next.out()).as("the next upstream answers once the first timed out").contains("10.53.0.7");
    assertThat(resolver.forwardsInFlight()).isZero();
  }

  @Test
  void query_malformedOversizedAndFlood_resolverKeepsAnswering() throws Exception {
    DnsLab.Upstream up = lab.upstream("--address=/example.test/10.53.0.7");
    NetNamespace web = lab.sandbox("web");
    SandboxResolver resolver = webResolver(web, DnsLab.upstreams(Duration.ofSeconds(10), up.blackHole()));
    InetSocketAddress server = new InetSocketAddress(SandboxResolver.ADDRESS, SandboxResolver.PORT);

    List<byte[]> replies = Namespaces.runIn(web, () -> {
      try (DatagramSocket s = new DatagramSocket()) {
        s.setSoTimeout(2000);
        List<byte[]> out = new ArrayList<>();
        s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server)); // no header: dropped
        byte[] junk = new byte[40];
        junk[0] = 0x12;
        junk[1] = 0x34;
        junk[5] = 1; // one question, then garbage where its name should be
        java.util.Arrays.fill(junk, 12, 40, (byte) 0xff);
        s.send(new DatagramPacket(junk, junk.length, server));
        out.add(receive(s));
        byte[] big = queryWithPadding(0x4321, "db", 700);
        s.send(new DatagramPacket(big, big.length, server));
        out.add(receive(s));
        // A flood of names to forward to an upstream that never answers: at most MAX_IN_FLIGHT wait.
        for (int i = 0; i < 1000; i++) {
          byte[] q = queryWithPadding(i, "n" + i + ".example.test", 0);
          s.send(new DatagramPacket(q, q.length, server));
        }
        return out;
      }
    });
    assertThat(replies.get(0)[0]).isEqualTo((byte) 0x12);
    assertThat(replies.get(0)[3] & 0x0f).as("FORMERR").isEqualTo(1);
    assertThat(replies.get(1)[3] & 0x0f).as("the 700-byte query is answered").isZero();
    assertThat(replies.get(1)).as("with db's address").containsSequence(10, 89, 0, 3);

    // A flood fills the socket's receive queue, so the kernel may drop a query sent meanwhile: the client
    // gets the usual retries (dig's later +tries overrides the lab's one try), and on a loaded 2-core
    // machine the queue takes a while to drain.
    DnsLab.Run during = lab.dig(web, "+tries=3", "db");
    assertThat(during.out()).as("answered within the client's retries").contains("10.89.0.3");
    assertThat(resolver.forwardsInFlight()).as("while the flood's forwards still wait for the upstream, bounded")
        .isPositive().isLessThanOrEqualTo(SandboxResolver.MAX_IN_FLIGHT);
    assertThat(resolver.malformedPackets()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void close_socketsClosed_noAnswerAndPortFreeForANewResolver() throws Exception {
    NetNamespace web = lab.sandbox("web");
    SandboxResolver first = webResolver(web, Upstreams.none());
    assertThat(lab.digShort(web, "db")).containsExactly("10.89.0.3");

    first.close();
    assertThat(lab.dig(web, "db").code()).as("nothing listens any more").isNotZero();
    assertThat(lab.dig(web, "+tcp", "db").code()).isNotZero();
    SandboxResolver second = lab.resolver(web, ResolverRecords.empty(), Upstreams.none());
    assertThat(lab.dig(web, "db").out()).contains("status: NXDOMAIN");
    second.records(ResolverRecords.of(Set.of(NET_A), endpoints()));
    assertThat(lab.digShort(web, "db")).containsExactly("10.89.0.3");
  }

  private static byte[] receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
    s.receive(p);
    return java.util.Arrays.copyOf(p.getData(), p.getLength());
  }

  /**
   * A query for {@code name} A, with an EDNS OPT record carrying a padding option (RFC 7830) that
   * brings the message to {@code size} bytes when {@code size} is larger than the bare query.
   */
  static byte[] queryWithPadding(int id, String name, int size) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(size, 512));
    b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0)
        .putShort((short) (size > 0 ? 1 : 0));
    for (String label : name.split("\\.")) {
      b.put((byte) label.length()).put(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    b.put((byte) 0).putShort((short) 1).putShort((short) 1);
    if (size > 0) {
      int padding = size - b.position() - 11 - 4;
      b.put((byte) 0).putShort((short) 41).putShort((short) 1232).putInt(0).putShort((short) (4 + padding));
      b.putShort((short) 12).putShort((short) padding).put(new byte[padding]);
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }
}
