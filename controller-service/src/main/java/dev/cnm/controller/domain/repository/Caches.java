package dev.cnm.controller.domain.repository;

import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.store.client.StoreClient;

/**
 * The controller's in-memory copies of its store prefixes (networks, endpoints, sandboxes, nodes,
 * name claims and the IPAM sweep's keys), each loaded on first use. Routes this process's own
 * writes to the right one.
 */
public final class Caches implements AutoCloseable {
  public final PrefixCache<Network> networks;
  public final PrefixCache<Endpoint> endpoints;
  public final PrefixCache<Sandbox> sandboxes;
  final PrefixCache<Node> nodes;
  final PrefixCache<StringValue> names;
  /** The IPAM sweep's epoch and running keys, read by every create (see {@code SweepGate}). */
  final PrefixCache<StringValue> ipamSweep;

  Caches(StoreClient store) {
    networks = new PrefixCache<>(store, StoreKeys.NETWORKS, Network.parser());
    endpoints = new PrefixCache<>(store, StoreKeys.ENDPOINTS, Endpoint.parser());
    sandboxes = new PrefixCache<>(store, StoreKeys.SANDBOXES, Sandbox.parser());
    nodes = new PrefixCache<>(store, StoreKeys.NODES, Node.parser());
    names = new PrefixCache<>(store, StoreKeys.NAMES, StringValue.parser());
    ipamSweep = new PrefixCache<>(store, StoreKeys.IPAM_SWEEP, StringValue.parser());
  }

  void written(String key, Message value, long revision) {
    if (key.startsWith(StoreKeys.SANDBOXES) && value instanceof Sandbox s) {
      sandboxes.written(key, s, revision);
    } else if (key.startsWith(StoreKeys.ENDPOINTS) && value instanceof Endpoint e) {
      endpoints.written(key, e, revision);
    } else if (key.startsWith(StoreKeys.NAMES) && value instanceof StringValue v) {
      names.written(key, v, revision);
    } else if (key.startsWith(StoreKeys.NETWORKS) && value instanceof Network n) {
      networks.written(key, n, revision);
    } else if (key.startsWith(StoreKeys.NODES) && value instanceof Node n) {
      nodes.written(key, n, revision);
    } else if (key.startsWith(StoreKeys.IPAM_SWEEP) && value instanceof StringValue v) {
      ipamSweep.written(key, v, revision);
    }
  }

  void deleted(String key, long revision) {
    for (PrefixCache<?> c : new PrefixCache<?>[] {sandboxes, endpoints, names, networks, nodes, ipamSweep}) {
      if (key.startsWith(c.prefix())) {
        c.deleted(key, revision);
      }
    }
  }

  @Override
  public void close() {
    networks.close();
    endpoints.close();
    sandboxes.close();
    nodes.close();
    names.close();
    ipamSweep.close();
  }
}
