package dev.cnm.agent.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Named namespaces the way {@code ip netns} makes them, on the real kernel. */
class NamespacesIT {
  private KernelFixture fx;

  @BeforeEach
  void setUp() {
    fx = new KernelFixture();
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  @Test
  void create_makesAFreshNamespaceWithOnlyLoopback_listedByName() {
    NetNamespace ns = fx.namespace("a");

    assertThat(fx.namespaces.list()).contains(ns.name());
    assertThat(ns.owned()).isTrue();
    KernelFixture.Exec links = KernelFixture.exec(ns, "ip", "-o", "link");
    assertThat(links.code()).isZero();
    assertThat(links.output().trim().lines()).hasSize(1).allMatch(l -> l.contains("lo:"));
  }

  @Test
  void runIn_writesSysctlsInsideTheNamespaceOnly() {
    NetNamespace ns = fx.namespace("a");
    String outside = Sysctl.read("net", "ipv4", "conf", "default", "arp_notify");

    String inside = Namespaces.runIn(ns, () -> {
      Sysctl.enableForwarding(true);
      Sysctl.arpNotify("default", true);
      Sysctl.disableIpv6("default", true);
      return Sysctl.read("net", "ipv4", "ip_forward") + Sysctl.read("net", "ipv4", "conf", "default", "arp_notify")
          + Sysctl.read("net", "ipv6", "conf", "default", "disable_ipv6");
    });

    assertThat(inside).isEqualTo("111");
    assertThat(KernelFixture.exec(ns, "sysctl", "-n", "net.ipv4.conf.default.arp_notify").output().trim()).isEqualTo("1");
    assertThat(Sysctl.read("net", "ipv4", "conf", "default", "arp_notify")).isEqualTo(outside);
  }

  @Test
  void delete_unmountsAndUnlinks_andIsIdempotent() {
    NetNamespace ns = fx.namespace("a");
    ns.close();

    fx.namespaces.delete(ns.name());
    fx.namespaces.delete(ns.name());

    assertThat(Files.exists(ns.path())).isFalse();
    assertThat(fx.namespaces.exists(ns.name())).isFalse();
  }

  @Test
  void create_existingName_isAlreadyExists_andBadName_isInvalid() {
    NetNamespace ns = fx.namespace("a");

    assertThatThrownBy(() -> fx.namespaces.create(ns.name()))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
    assertThatThrownBy(() -> fx.namespaces.create("a/b"))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    assertThatThrownBy(() -> fx.namespaces.open("cnmtmissing"))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
  }

  @Test
  void openExternal_ofOurOwnProcessNamespace_works_andOfAPlainFile_isRejected() throws Exception {
    try (NetNamespace self = Namespaces.openExternal(java.nio.file.Path.of("/proc/self/ns/net"))) {
      assertThat(self.owned()).isFalse();
      assertThat(self.fd()).isPositive();
    }
    java.nio.file.Path plain = Files.createFile(fx.stateDir.resolve("plain"));
    assertThatThrownBy(() -> Namespaces.openExternal(plain)).hasMessageContaining("not a network namespace");
  }
}
