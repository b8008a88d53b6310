package dev.cnm.controller.domain.desired;

import com.google.protobuf.Message;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.repository.Commit;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreTxn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The builder over the cached view updates each node's state from the caches' change logs; its
 * result must always be the one a build reading every object gives. Random sequences of the
 * writes the controller makes (and, as another replica would, writes the caches learn of only by
 * their watch) are checked against a builder that starts from nothing after every step.
 */
class DesiredStateBuilderTest {
  private static final List<String> NODES = List.of("node-a", "node-b");
  @TempDir
  Path dir;
  private InProcessStore store;
  private StoreClient client;
  private ObjectRepository repo;
  private final DriverRegistry drivers = DriverRegistry.builtIn();
  private final List<String> networks = new ArrayList<>();
  private final List<String> sandboxes = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>(); // endpoint keys

  @BeforeEach
  void start() throws Exception {
    store = InProcessStore.inProcess(dir);
    client = new StoreClient(store.channel());
    repo = new ObjectRepository(client);
  }

  @AfterEach
  void stop() {
    repo.close();
    store.close();
  }

  @Test
  void incrementalBuilds_equalAFullBuild_afterEveryRandomChange() {
    DesiredStateBuilder incremental = new DesiredStateBuilder(repo.cached(), drivers);
    Random random = new Random(20261128);
    for (int i = 0; i < 2; i++) {
      String id = Ids.newId();
      writes(false).create(StoreKeys.network(id), network(id, "net" + i, false)).commit();
      networks.add(id);
    }
    int inconsistentSeen = 0;
    for (int step = 0; step < 400; step++) {
      boolean foreign = random.nextInt(5) == 0; // learnt by the caches only through their watch
      change(random, foreign);
      for (String node : NODES) {
        if (foreign) {
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertSameAsFull(incremental, node));
        } else {
          assertSameAsFull(incremental, node);
        }
        if (!incremental.buildCovered(node).consistent()) {
          inconsistentSeen++;
        }
      }
    }
    assertThat(inconsistentSeen).as("steps that left a sandbox and its endpoints disagreeing").isPositive();
    assertThat(incremental.build("node-a").getSandboxesCount() + incremental.build("node-b").getSandboxesCount())
        .isEqualTo(sandboxes.size());
  }

  private void assertSameAsFull(DesiredStateBuilder incremental, String node) {
    DesiredStateBuilder.Built got = incremental.buildCovered(node);
    DesiredStateBuilder.Built full = new DesiredStateBuilder(repo.cached(), drivers).buildCovered(node);
    assertThat(got.state()).isEqualTo(full.state());
    assertThat(got.newest()).isEqualTo(full.newest());
    assertThat(got.consistent()).isEqualTo(full.consistent());
    assertThat(new DesiredStateBuilder(repo.fresh(), drivers).build(node)).isEqualTo(full.state());
  }

  private void change(Random random, boolean foreign) {
    switch (random.nextInt(9)) {
      case 0, 1 -> {
        String id = Ids.newId();
        Sandbox sb = Sandbox.newBuilder().setId(id).setContainerId("c-" + id.substring(0, 8))
            .setNode(NODES.get(random.nextInt(NODES.size()))).setHostname("h" + sandboxes.size()).build();
        writes(foreign).create(StoreKeys.sandbox(id), sb).commit();
        sandboxes.add(id);
      }
      case 2, 3 -> {
        String id = Ids.newId();
        String net = networks.get(random.nextInt(networks.size()));
        Endpoint ep = Endpoint.newBuilder().setId(id).setNetworkId(net).setName("ep" + endpoints.size())
            .setIpv4Address("10.9." + (endpoints.size() / 200) + "." + (endpoints.size() % 200 + 2) + "/16").build();
        String key = StoreKeys.endpoint(net, id);
        writes(foreign).create(key, ep).commit();
        endpoints.add(key);
      }
      case 4, 5 -> join(random, foreign, random.nextInt(6) == 0);
      case 6 -> leave(random, foreign);
      case 7 -> deleteSomething(random, foreign);
      default -> {
        String id = networks.get(random.nextInt(networks.size()));
        KvObject<Network> n = client.get(StoreKeys.network(id), Network.parser()).orElseThrow();
        Network flipped = n.value().toBuilder().setInternal(!n.value().getInternal()).build();
        writes(foreign).update(n, flipped).commit();
      }
    }
  }

  /** Joins a free endpoint to a sandbox; {@code half}: writes only the endpoint's side (a sandbox and its endpoints disagree). */
  private void join(Random random, boolean foreign, boolean half) {
    KvObject<Endpoint> ep = pick(random, endpoints, Endpoint.parser(), true);
    if (ep == null || sandboxes.isEmpty()) {
      return;
    }
    KvObject<Sandbox> sb = client.get(StoreKeys.sandbox(sandboxes.get(random.nextInt(sandboxes.size()))),
        Sandbox.parser()).orElseThrow();
    Endpoint joined = ep.value().toBuilder().setSandboxId(sb.value().getId()).setPriority(random.nextInt(3))
        .setInterfaceName("eth" + sb.value().getEndpointIdsCount()).setGatewayIpv4("10.9.0.1").build();
    Sandbox withIt = sb.value().toBuilder().addEndpointIds(ep.value().getId()).build();
    Writes txn = writes(foreign).update(ep, joined);
    if (!half) {
      txn.update(sb, withIt);
    }
    txn.commit();
  }

  private void leave(Random random, boolean foreign) {
    KvObject<Endpoint> ep = pick(random, endpoints, Endpoint.parser(), false);
    if (ep == null) {
      return;
    }
    Endpoint left = ep.value().toBuilder().clearSandboxId().clearInterfaceName().clearGatewayIpv4().build();
    Writes txn = writes(foreign).update(ep, left);
    KvObject<Sandbox> sb = client.get(StoreKeys.sandbox(ep.value().getSandboxId()), Sandbox.parser()).orElse(null);
    Sandbox without = null;
    if (sb != null && sb.value().getEndpointIdsList().contains(ep.value().getId())) {
      without = JoinManager.withoutEndpoint(sb.value(), ep.value().getId());
      txn.update(sb, without);
    }
    txn.commit();
  }

  private void deleteSomething(Random random, boolean foreign) {
    if (random.nextBoolean() && !sandboxes.isEmpty()) {
      String id = sandboxes.remove(random.nextInt(sandboxes.size()));
      // as DeleteSandbox: its endpoints leave in the same Txn
      KvObject<Sandbox> sb = client.get(StoreKeys.sandbox(id), Sandbox.parser()).orElseThrow();
      Writes txn = writes(foreign).delete(sb);
      for (String key : endpoints) {
        KvObject<Endpoint> ep = client.get(key, Endpoint.parser()).orElseThrow();
        if (ep.value().getSandboxId().equals(id)) {
          txn.update(ep, JoinManager.detached(ep.value()));
        }
      }
      txn.commit();
    } else {
      KvObject<Endpoint> ep = pick(random, endpoints, Endpoint.parser(), true);
      if (ep != null) {
        endpoints.remove(ep.key());
        writes(foreign).delete(ep).commit();
      }
    }
  }

  /** A random endpoint that is free ({@code free}) or joined, or null if none is. */
  private KvObject<Endpoint> pick(Random random, List<String> keys,
      com.google.protobuf.Parser<Endpoint> parser, boolean free) {
    List<KvObject<Endpoint>> candidates = new ArrayList<>();
    for (String key : keys) {
      KvObject<Endpoint> ep = client.get(key, parser).orElseThrow();
      if (ep.value().getSandboxId().isEmpty() == free) {
        candidates.add(ep);
      }
    }
    return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
  }

  /** The few writes these steps make, built on a store Txn or a repository Commit. */
  private interface Writes {
    Writes create(String key, Message value);

    Writes update(KvObject<?> read, Message value);

    Writes delete(KvObject<?> read);

    void commit();
  }

  /**
   * This controller's writes go through a repository {@link Commit}, so the caches learn them at
   * once; another replica's ({@code foreign}) through the store only, so they learn them from the watch.
   */
  private Writes writes(boolean foreign) {
    if (foreign) {
      StoreTxn txn = client.txn();
      return new Writes() {
        public Writes create(String key, Message value) {
          txn.create(key, value);
          return this;
        }

        public Writes update(KvObject<?> read, Message value) {
          txn.update(read, value);
          return this;
        }

        public Writes delete(KvObject<?> read) {
          txn.delete(read);
          return this;
        }

        public void commit() {
          txn.commit();
        }
      };
    }
    Commit commit = repo.commit();
    return new Writes() {
      public Writes create(String key, Message value) {
        commit.create(key, value);
        return this;
      }

      public Writes update(KvObject<?> read, Message value) {
        commit.update(read, value);
        return this;
      }

      public Writes delete(KvObject<?> read) {
        commit.delete(read);
        return this;
      }

      public void commit() {
        commit.commit();
      }
    };
  }

  private static Network network(String id, String name, boolean internal) {
    return Network.newBuilder().setId(id).setName(name).setDriver("bridge").setInternal(internal)
        .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.9.0.0/16").setGateway("10.9.0.1")))
        .build();
  }
}
