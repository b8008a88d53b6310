package dev.cnm.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DataplaneConfig;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.driver.bridge.BridgeDriver;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.api.v1.BridgeConfig;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sandbox's hosts and resolv.conf directory ({@code <stateDir>/sandboxes/<id>}) lives exactly as
 * long as the sandbox, on the real kernel: the applier over a bridge dataplane in a "host"
 * namespace of the test's own, fed hand-built snapshots as the controller sends them.
 */
class SandboxFileCleanupIT {
  private static final String NET = "cnmtfnet";
  private final KernelFixture fx = new KernelFixture();
  private Path resolvConf;
  private NetNamespace host;
  private BridgeDataplane dataplane;
  private DataplaneApplier applier;

  @BeforeEach
  void setUp() throws IOException {
    resolvConf = Files.writeString(fx.stateDir.resolve("host-resolv.conf"), "nameserver 192.0.2.53\n");
    host = fx.namespace("host");
    startAgent();
  }

  @AfterEach
  void tearDown() {
    try {
      if (dataplane != null) {
        dataplane.close();
      }
    } finally {
      fx.close();
    }
  }

  /** A new agent process: its dataplane and applier, remembering nothing of an earlier one. */
  private void startAgent() {
    if (dataplane != null) {
      dataplane.close();
    }
    dataplane = null;
    dataplane = BridgeDataplane.open(new DataplaneConfig(fx.agentStateDir, host, false));
    applier = new DataplaneApplier(DriverRegistry.with(new BridgeDriver(dataplane, null)).build(), null, null,
        new SandboxFileWriter(fx.agentStateDir,
        new SandboxFiles(resolvConf, new SimpleMeterRegistry())));
    applier.sessionStarted();
  }

  private Path filesOf(String sandboxId) {
    return fx.agentStateDir.resolve(SandboxFileWriter.DIR).resolve(sandboxId);
  }

  /** A snapshot with one bridge network and, per sandbox, one endpoint on it (10.77.0.2, .3, ...). */
  private DesiredState.Builder snapshot(long version, NodeSandbox.Builder... sandboxes) {
    String bridge = fx.prefix + "b0";
    DesiredState.Builder b = DesiredState.newBuilder().setNode("node1").setVersion(version)
        .addNetworks(NodeNetwork.newBuilder().setId(NET).setName("n").setDriver("bridge").setSubnetIpv4("10.77.0.0/24")
            .setGatewayIpv4("10.77.0.1").setBridge(BridgeConfig.newBuilder().setBridgeName(bridge)));
    int host = 2;
    for (NodeSandbox.Builder s : sandboxes) {
      b.addSandboxes(s);
      b.addEndpoints(NodeEndpoint.newBuilder().setId("ep-" + s.getId()).setName("e" + host).setNetworkId(NET)
          .setSandboxId(s.getId()).setInterfaceName("eth0").setMacAddress(String.format("02:42:0a:4d:00:%02x", host))
          .setIpv4Address("10.77.0." + host + "/24"));
      host++;
    }
    return b;
  }

  private static NodeSandbox.Builder sandbox(String id, String hostname) {
    return NodeSandbox.newBuilder().setId(id).setContainerId("c-" + id).setHostname(hostname);
  }

  private static ObjectStatus statusOf(List<ObjectStatus> statuses, String sandboxId) {
    return statuses.stream().filter(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX && s.getId().equals(sandboxId))
        .findFirst().orElseThrow();
  }

  private static void assertNoErrors(List<ObjectStatus> statuses) {
    assertThat(statuses).allSatisfy(s -> assertThat(s.hasError()).as(s.getKind() + " " + s.getId() + ": "
        + s.getError().getMessage()).isFalse());
  }

  @Test
  void apply_sandboxDeleted_removesItsFilesWithItsNamespace() throws IOException {
    assertNoErrors(applier.apply(snapshot(1, sandbox("sbA", "alpha"), sandbox("sbB", "bravo")).build()));
    assertThat(Files.readString(filesOf("sbA").resolve("hosts"))).contains("alpha");
    assertThat(filesOf("sbA").resolve("resolv.conf")).exists();

    // sbA is deleted: the next snapshot (applied incrementally) no longer holds it
    assertNoErrors(applier.apply(snapshot(2, sandbox("sbB", "bravo")).build()));

    assertThat(fx.agentNamespaces.list()).doesNotContain("sbA").contains("sbB");
    assertThat(filesOf("sbA")).doesNotExist();
    assertThat(Files.readString(filesOf("sbB").resolve("hosts"))).contains("bravo");

    // deleting it again (a repeated snapshot) is no error and changes nothing
    assertNoErrors(applier.apply(snapshot(3, sandbox("sbB", "bravo")).build()));
    assertThat(filesOf("sbA")).doesNotExist();
    assertThat(filesOf("sbB").resolve("hosts")).exists();
  }

  @Test
  void apply_createFails_leavesNoFilesDirectory_andACreateThatLaterSucceedsWritesThemAgain() throws IOException {
    assertNoErrors(applier.apply(snapshot(1, sandbox("sbB", "bravo")).build()));
    Path missing = fx.stateDir.resolve("no-such-netns");
    NodeSandbox.Builder external = sandbox("sbX", "xray").setExternalKey(missing.toString());

    List<ObjectStatus> failed = applier.apply(snapshot(2, sandbox("sbB", "bravo"), external).build());

    assertThat(statusOf(failed, "sbX").hasError()).as("the external namespace does not exist").isTrue();
    assertThat(filesOf("sbX")).doesNotExist();
    assertThat(filesOf("sbB").resolve("hosts")).exists();

    // the same snapshot again (a full reconcile after the failure) fails the same way, and leaves nothing either
    assertThat(statusOf(applier.apply(snapshot(3, sandbox("sbB", "bravo"), external).build()), "sbX").hasError())
        .isTrue();
    assertThat(filesOf("sbX")).doesNotExist();

    // once the namespace exists, the sandbox is created and its files are written afresh
    NetNamespace ns = fx.namespace("ext");
    assertNoErrors(applier.apply(snapshot(4, sandbox("sbB", "bravo"), sandbox("sbX", "xray")
        .setExternalKey(ns.path().toString())).build()));
    assertThat(Files.readString(filesOf("sbX").resolve("hosts"))).contains("xray");
  }

  @Test
  void apply_firstSnapshotCreateFails_leavesNoFilesDirectory() {
    NodeSandbox.Builder external = sandbox("sbX", "xray").setExternalKey(fx.stateDir.resolve("absent").toString());

    List<ObjectStatus> statuses = applier.apply(snapshot(1, external, sandbox("sbB", "bravo")).build());

    assertThat(statusOf(statuses, "sbX").hasError()).isTrue();
    assertThat(statusOf(statuses, "sbB").hasError()).isFalse();
    assertThat(filesOf("sbX")).doesNotExist();
    assertThat(filesOf("sbB").resolve("hosts")).exists();
  }

  @Test
  void agentRestart_firstSnapshotRemovesDirectoriesOfUnknownSandboxes_andKeepsTheLiveOnes() throws IOException {
    assertNoErrors(applier.apply(snapshot(1, sandbox("sbA", "alpha"), sandbox("sbB", "bravo")).build()));
    // what an earlier agent process left: directories of sandboxes deleted while no agent ran, one
    // with files and a sub-directory, one empty; and a file that is no sandbox's directory
    Path root = fx.agentStateDir.resolve(SandboxFileWriter.DIR);
    Files.createDirectories(root.resolve("gone1/sub"));
    Files.writeString(root.resolve("gone1/hosts"), "127.0.0.1 localhost\n");
    Files.writeString(root.resolve("gone1/sub/x"), "x");
    Files.createDirectories(root.resolve("gone2"));
    Files.writeString(root.resolve("stray-file"), "not a sandbox directory");
    String hostsA = Files.readString(filesOf("sbA").resolve("hosts"));

    startAgent();
    // sbB was deleted while the agent was away: the new session's first snapshot holds sbA alone
    assertNoErrors(applier.apply(snapshot(2, sandbox("sbA", "alpha")).build()));

    assertThat(filesOf("sbB")).doesNotExist();
    assertThat(root.resolve("gone1")).doesNotExist();
    assertThat(root.resolve("gone2")).doesNotExist();
    assertThat(root.resolve("stray-file")).exists();
    assertThat(Files.readString(filesOf("sbA").resolve("hosts"))).isEqualTo(hostsA).contains("alpha");
    assertThat(fx.agentNamespaces.list()).containsExactly("sbA");
  }

  @Test
  void sessionRestart_fullReconcile_removesDirectoriesWithoutASandboxInTheSnapshot() throws IOException {
    assertNoErrors(applier.apply(snapshot(1, sandbox("sbA", "alpha")).build()));
    Path root = fx.agentStateDir.resolve(SandboxFileWriter.DIR);
    Files.createDirectories(root.resolve("orphan"));
    Files.writeString(root.resolve("orphan/hosts"), "127.0.0.1 localhost\n");

    // the same agent reconnects: the new session's first snapshot is applied by a full reconcile
    applier.sessionStarted();
    assertNoErrors(applier.apply(snapshot(2, sandbox("sbA", "alpha")).build()));

    assertThat(root.resolve("orphan")).doesNotExist();
    assertThat(Files.readString(filesOf("sbA").resolve("hosts"))).contains("alpha");
  }

  @Test
  void apply_directoryBusyWhenItsSandboxIsDeleted_isRemovedByALaterSnapshot() throws IOException {
    assertNoErrors(applier.apply(snapshot(1, sandbox("sbA", "alpha"), sandbox("sbB", "bravo")).build()));
    // a file of sbA's directory is a mount point: unlinking it fails with EBUSY
    Path over = Files.writeString(fx.stateDir.resolve("over"), "mounted\n");
    String target = filesOf("sbA").resolve("hosts").toString();
    LibC.bindMount(over.toString(), target);
    try {
      assertNoErrors(applier.apply(snapshot(2, sandbox("sbB", "bravo")).build()));
      assertThat(filesOf("sbA")).as("busy: left for a later snapshot").exists();
    } finally {
      assertThat(LibC.umount2(target, LibC.MNT_DETACH)).isZero();
    }

    // nothing else changes in this snapshot, and the directory is retried all the same
    assertNoErrors(applier.apply(snapshot(3, sandbox("sbB", "bravo")).build()));

    assertThat(filesOf("sbA")).doesNotExist();
    assertThat(filesOf("sbB").resolve("hosts")).exists();
  }
}
