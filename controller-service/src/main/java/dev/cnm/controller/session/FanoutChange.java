package dev.cnm.controller.session;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.client.WatchEvent;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What one store watch event means to {@link PeerFanout}: an endpoint's join state on a network,
 * a node's liveness, a node's own sandbox, or (after a lost watch) everything. Events that concern
 * no node decode to null.
 */
sealed interface FanoutChange {
  /** The change a watch event on {@code prefix} (endpoints, nodes or sandboxes) stands for, or null. */
  static FanoutChange of(String prefix, WatchEvent e) {
    return prefix.equals(StoreKeys.NODES) ? Decode.nodeChange(e)
        : prefix.equals(StoreKeys.SANDBOXES) ? Decode.sandboxChange(e) : Decode.endpointChange(e);
  }

  /** {@code peerChanged}: false when only what other nodes do not see changed (e.g. its port map). */
  record EndpointChange(String networkId, String endpointId, Set<String> sandboxIds, long revision,
      boolean deleted, boolean peerChanged) implements FanoutChange {}

  record NodeChange(String node, long revision, boolean deleted) implements FanoutChange {}

  /** A sandbox of {@code node} created, changed (e.g. its endpoint list) or deleted. */
  record SandboxChange(String node, String sandboxId, long revision, boolean deleted) implements FanoutChange {}

  record Everything() implements FanoutChange {}

  /** The decoding of watch events, kept out of the records. */
  final class Decode {
    private Decode() {}

    /** A join, leave or delete of a joined endpoint, or any change of a joined one. */
    static FanoutChange endpointChange(WatchEvent e) {
      Optional<Endpoint> before = e.prevKv().map(kv -> parse(kv.getValue(), Endpoint.parser()));
      Optional<Endpoint> after = e.deleted() ? Optional.empty() : Optional.of(e.value(Endpoint.parser()));
      Endpoint any = after.or(() -> before).orElse(null);
      if (any == null) {
        return null;
      }
      String was = before.map(Endpoint::getSandboxId).orElse("");
      String is = after.map(Endpoint::getSandboxId).orElse("");
      if (was.isEmpty() && is.isEmpty()) {
        return null; // created or deleted unjoined: no node knows it as a peer
      }
      // e.g. only its port map changed: its own node cares, the others do not
      boolean peerChanged = !(was.equals(is) && before.isPresent() && after.isPresent()
          && samePeer(before.get(), after.get()));
      Set<String> sandboxes = new HashSet<>();
      if (!was.isEmpty()) {
        sandboxes.add(was);
      }
      if (!is.isEmpty()) {
        sandboxes.add(is);
      }
      return new EndpointChange(any.getNetworkId(), any.getId(), sandboxes, e.revision(), e.deleted(), peerChanged);
    }

    private static boolean samePeer(Endpoint a, Endpoint b) {
      return a.getMacAddress().equals(b.getMacAddress()) && a.getIpv4Address().equals(b.getIpv4Address())
          && a.getIpv6Address().equals(b.getIpv6Address());
    }

    /** A node record that appeared, vanished or changed its advertise address. */
    static FanoutChange nodeChange(WatchEvent e) {
      String name = e.key().substring(StoreKeys.NODES.length());
      if (e.deleted() || e.prevKv().isEmpty()) {
        return new NodeChange(name, e.revision(), e.deleted());
      }
      Node before = parse(e.prevKv().get().getValue(), Node.parser());
      Node after = e.value(Node.parser());
      return before.getAdvertiseAddress().equals(after.getAdvertiseAddress()) ? null
          : new NodeChange(name, e.revision(), false);
    }

    static FanoutChange sandboxChange(WatchEvent e) {
      Sandbox sb = e.deleted() ? e.prevKv().map(kv -> parse(kv.getValue(), Sandbox.parser())).orElse(null)
          : e.value(Sandbox.parser());
      return sb == null ? null : new SandboxChange(sb.getNode(), sb.getId(), e.revision(), e.deleted());
    }

    private static <T extends com.google.protobuf.Message> T parse(com.google.protobuf.ByteString bytes,
        com.google.protobuf.Parser<T> parser) {
      try {
        return parser.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
        throw CnmException.invalidArgument("value", "not a valid " + ex.getMessage());
      }
    }
  }
}
