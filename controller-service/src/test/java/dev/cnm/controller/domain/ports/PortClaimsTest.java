package dev.cnm.controller.domain.ports;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.store.client.StoreTxn;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The claim Txns against a real store, with both sides of each race reading before either
 * commits: the conflict between an address and its family's unspecified address is decided in
 * the store, whichever commits first.
 */
class PortClaimsTest {
  @TempDir Path dir;
  InProcessStore store;
  StoreClient client;

  @BeforeEach
  void start() throws Exception {
    store = InProcessStore.inProcess(dir);
    client = new StoreClient(store.channel());
  }

  @AfterEach
  void stop() {
    store.close();
  }

  private static PortBinding on(String hostIp, int port) {
    return PortBinding.newBuilder().setContainerPort(80).setHostIp(hostIp).setHostPort(port).build();
  }

  private StoreTxn claimTxn(PortClaims read, PortBinding b, String owner) {
    StoreTxn txn = client.txn();
    read.claim(txn, List.of(b), owner);
    return txn;
  }

  private List<String> keys() {
    return client.list(StoreKeys.PORTS, StringValue.parser()).stream().map(kv -> kv.key()).toList();
  }

  @Test
  void claim_unspecifiedCommittedFirst_failsTheAddressReadBeforeIt() {
    StoreTxn any = claimTxn(PortClaims.read(client, "n1"), on("0.0.0.0", 8080), "a");
    StoreTxn lo = claimTxn(PortClaims.read(client, "n1"), on("127.0.0.1", 8080), "b");
    any.commit();
    assertThatThrownBy(lo::commit).isInstanceOf(StoreConflictException.class);
    assertThat(keys()).containsExactly(StoreKeys.PORTS + "n1/0.0.0.0/tcp/8080");
  }

  @Test
  void claim_addressCommittedFirst_failsTheUnspecifiedReadBeforeIt() {
    StoreTxn any = claimTxn(PortClaims.read(client, "n1"), on("0.0.0.0", 8080), "a");
    StoreTxn lo = claimTxn(PortClaims.read(client, "n1"), on("127.0.0.1", 8080), "b");
    lo.commit();
    assertThatThrownBy(any::commit).isInstanceOf(StoreConflictException.class);
    // and read again, the port is seen taken
    assertThat(PortClaims.read(client, "n1").holder("0.0.0.0", "tcp", 8080)).isEqualTo("127.0.0.1");
  }

  @Test
  void claim_otherNodeOrOtherFamily_doesNotConflict() {
    claimTxn(PortClaims.read(client, "n1"), on("0.0.0.0", 8080), "a").commit();
    claimTxn(PortClaims.read(client, "n2"), on("127.0.0.1", 8080), "b").commit();
    claimTxn(PortClaims.read(client, "n1"), on("::1", 8080), "c").commit();
    assertThat(PortClaims.read(client, "n1").conflicts("::", "tcp", 8080)).isTrue();
    assertThat(PortClaims.read(client, "n1").conflicts("192.0.2.1", "tcp", 8080)).isTrue();
    assertThat(PortClaims.read(client, "n1").conflicts("192.0.2.1", "udp", 8080)).isFalse();
  }

  @Test
  void claim_bothUnspecifiedAddresses_conflict_andTheIpv6OneTakesIpv4Addresses() {
    StoreTxn v6 = claimTxn(PortClaims.read(client, "n1"), on("::", 8080), "a");
    StoreTxn v4 = claimTxn(PortClaims.read(client, "n1"), on("0.0.0.0", 8080), "b");
    StoreTxn lo = claimTxn(PortClaims.read(client, "n1"), on("127.0.0.1", 8080), "c");
    v6.commit();
    assertThatThrownBy(v4::commit).isInstanceOf(StoreConflictException.class);
    assertThatThrownBy(lo::commit).isInstanceOf(StoreConflictException.class);
    PortClaims now = PortClaims.read(client, "n1");
    assertThat(now.holder("127.0.0.1", "tcp", 8080)).isEqualTo("::");
    assertThat(now.holder("0.0.0.0", "tcp", 8080)).isEqualTo("::");
    assertThat(now.holder("2001:db8::1", "tcp", 8080)).isEqualTo("::");
  }

  @Test
  void claim_twoAddressesOfOnePortInOneJoin_bothClaimed() {
    StoreTxn both = client.txn();
    PortClaims.read(client, "n1").claim(both, List.of(on("127.0.0.1", 8080), on("192.0.2.10", 8080)), "a");
    both.commit();
    assertThat(keys()).containsExactlyInAnyOrder(StoreKeys.PORTS + "n1/127.0.0.1/tcp/8080",
        StoreKeys.PORTS + "n1/192.0.2.10/tcp/8080", StoreKeys.PORTS + "n1/ipv4-addresses/tcp/8080");
  }

  @Test
  void release_twoAddressesAtOnce_theLaterFails_andItsRetryDeletesTheMarker() {
    claimTxn(PortClaims.read(client, "n1"), on("127.0.0.1", 8080), "a").commit();
    claimTxn(PortClaims.read(client, "n1"), on("192.0.2.10", 8080), "b").commit();
    StoreTxn first = client.txn();
    PortClaims.release(client, first, "n1", List.of(on("127.0.0.1", 8080)));
    StoreTxn second = client.txn();
    PortClaims.release(client, second, "n1", List.of(on("192.0.2.10", 8080)));
    first.commit();
    // each saw the other's claim: without the guard both would keep the marker, and with it
    // the unspecified address would stay refused with no claim left
    assertThatThrownBy(second::commit).isInstanceOf(StoreConflictException.class);
    StoreTxn retry = client.txn();
    PortClaims.release(client, retry, "n1", List.of(on("192.0.2.10", 8080)));
    retry.commit();
    assertThat(keys()).isEmpty();
  }

  @Test
  void migration_oldLayoutClaims_becomeTheirOwnersPerNodeClaims_orGoWhenNoOneHoldsThem() {
    PortBinding published = on("127.0.0.1", 8080);
    client.txn().create(StoreKeys.sandbox("s1"), Sandbox.newBuilder().setId("s1").setNode("n1").build())
        .create(StoreKeys.endpoint("net", "e1"), Endpoint.newBuilder().setId("e1").setNetworkId("net")
            .setSandboxId("s1").addPortMap(published).build())
        .create(StoreKeys.PORTS + "tcp/8080", StringValue.of("e1"))
        .create(StoreKeys.PORTS + "udp/53", StringValue.of("an endpoint long gone")).commit();

    assertThat(PortClaimMigration.run(client)).isEqualTo(2);
    assertThat(keys()).containsExactlyInAnyOrder(StoreKeys.PORTS + "n1/127.0.0.1/tcp/8080",
        StoreKeys.PORTS + "n1/ipv4-addresses/tcp/8080");
    assertThat(PortClaimMigration.run(client)).isZero();
    // the moved claim is released as any other
    StoreTxn leave = client.txn();
    PortClaims.release(client, leave, "n1", List.of(published));
    leave.commit();
    assertThat(keys()).isEmpty();
  }

  @Test
  void canonicalIp_isTheKeysForm() {
    assertThat(PortClaims.canonicalIp("")).isEqualTo("0.0.0.0");
    assertThat(PortClaims.canonicalIp("0:0:0:0:0:0:0:0")).isEqualTo("::");
    assertThat(PortClaims.canonicalIp("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
  }
}
