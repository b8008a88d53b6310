package dev.cnm.controller.domain.ports;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.store.client.StoreTxn;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves port claims of the first layout, {@code ports/<proto>/<port>} (one claim per port in
 * the whole cluster), to the per-node layout of {@link PortClaims}: each becomes its owner's
 * claim on its sandbox's node and host address, or is deleted when its owner is no longer
 * joined. Without this, a store written before the change would keep claims nothing releases,
 * and joined endpoints' ports would not count as taken. Every replica runs it at start; each
 * move is one Txn guarded by the old key, so replicas racing on one claim move it once.
 */
public final class PortClaimMigration {
  private static final Logger LOG = LoggerFactory.getLogger(PortClaimMigration.class);
  private static final int ATTEMPTS = 4;

  private PortClaimMigration() {}

  /** Moves every claim of the old layout; returns how many it found. */
  public static int run(StoreClient store) {
    List<KvObject<StringValue>> old = store.list(StoreKeys.PORTS, StringValue.parser()).stream()
        .filter(kv -> kv.key().substring(StoreKeys.PORTS.length()).split("/").length == 2).toList();
    if (old.isEmpty()) {
      return 0;
    }
    Map<String, Endpoint> endpoints = store.list(StoreKeys.ENDPOINTS, Endpoint.parser()).stream()
        .map(KvObject::value).collect(Collectors.toMap(Endpoint::getId, Function.identity(), (a, b) -> a));
    for (KvObject<StringValue> claim : old) {
      move(store, claim, endpoints.get(claim.value().getValue()));
    }
    LOG.info("moved " + old.size() + " port claim(s) of the old layout to per-node claims");
    return old.size();
  }

  private static void move(StoreClient store, KvObject<StringValue> claim, Endpoint owner) {
    String[] protoPort = claim.key().substring(StoreKeys.PORTS.length()).split("/");
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      StoreTxn txn = store.txn().delete(claim);
      Optional<PortBinding> binding = owner == null ? Optional.empty() : owner.getPortMapList().stream()
          .filter(b -> PortRules.protocol("protocol", b.getProtocol()).equals(protoPort[0])
              && Integer.toString(b.getHostPort()).equals(protoPort[1])).findFirst();
      Optional<Sandbox> sandbox = binding.isEmpty() ? Optional.empty()
          : store.get(StoreKeys.sandbox(owner.getSandboxId()), Sandbox.parser()).map(KvObject::value);
      if (sandbox.isPresent()) {
        String node = sandbox.get().getNode();
        PortClaims.read(store, node).claim(txn, List.of(binding.get()), owner.getId());
      }
      try {
        txn.commit();
        return;
      } catch (StoreConflictException e) {
        Optional<KvObject<StringValue>> now = store.get(claim.key(), StringValue.parser());
        if (now.isEmpty()) {
          return; // another replica moved it
        }
        claim = now.get();
      }
    }
    LOG.warn("could not move port claim " + claim.key() + " to the per-node layout; it stays until the next start");
  }
}
