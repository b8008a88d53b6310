package dev.cnm.agent.gateway;

import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Sysctl;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's gateway bridge (libnetwork's {@code docker_gwbridge}): overlay networks live in
 * namespaces of their own with no way out, so each sandbox with an endpoint of a non-internal
 * overlay network gets a second veth, {@code gw0}, on this bridge in the node's namespace, with
 * an address from the bridge's subnet; the agent's nftables table masquerades that subnet
 * ({@link #firewallNetwork}). When the overlay endpoint is the sandbox's default gateway, the
 * sandbox's default route goes through the bridge.
 *
 * <p>Marking: the bridge's alias is {@code cnm-gw:bridge}, each host end's
 * {@code cnm-gw:<address>/<sandbox-id>} — not {@code cnm:<id>}, so the bridge dataplane's sweep
 * of stray links leaves them alone, and the address each sandbox holds is read back from the
 * kernel after a restart (the agent keeps no durable state). Thread-safe; operations are serialised.
 */
public final class GatewayBridge implements AutoCloseable {
  /** One sandbox that needs egress through the bridge. */
  public record Attachment(String sandboxId, Path namespace, boolean defaultRoute) {}

  /** The interface's name inside sandboxes: not ethN, which endpoints use. */
  public static final String SANDBOX_IFNAME = "gw0";
  static final String MARK = "cnm-gw:";
  static final String BRIDGE_MARK = MARK + "bridge";

  /** A connected sandbox: what was asked (null when only read back from the kernel) and its address. */
  private record Held(Attachment attachment, IpPrefix address) {}

  private final Object lock = new Object();
  private final GatewayBridgeConfig config;
  private final NetlinkHandle host;
  // guarded by lock
  private GatewayAddresses addresses;
  private final Map<String, Held> held = new HashMap<>();
  private int bridgeIndex = -1;

  private GatewayBridge(GatewayBridgeConfig config, NetlinkHandle host) {
    this.config = config;
    this.host = host;
    this.addresses = new GatewayAddresses(config.subnet());
  }

  /** Opens a netlink handle in the node's namespace; the bridge is made when first needed. */
  public static GatewayBridge open(GatewayBridgeConfig config) {
    LibC.load();
    return new GatewayBridge(config, NetlinkHandle.openInOrCurrent(config.hostNamespace()));
  }

  public GatewayBridgeConfig config() {
    return config;
  }

  /**
   * The bridge as the firewall sees it: its subnet masqueraded, no traffic between sandboxes
   * through it (icc off), its ports the host ends of the sandboxes connected now.
   */
  public FirewallNetwork firewallNetwork() {
    synchronized (lock) {
      List<String> ports = held.keySet().stream().map(GatewayBridge::hostIfName).toList();
      return new FirewallNetwork("gwbridge", config.bridgeName(),
          List.of(dev.cnm.runtime.net.IpPrefix.parseSubnet(addresses.subnetText())), true, false, false, ports);
    }
  }

  /**
   * Connects exactly the {@code desired} sandboxes: disconnects the others, connects new ones,
   * repairs those whose default-route choice changed. With {@code full} (the first snapshot of a
   * session) what the kernel holds is read first, and sandboxes still connected are adopted in
   * place, so a restarted agent does not interrupt their traffic.
   *
   * @return failures keyed "sandbox/ID"
   */
  public Map<String, CnmException> converge(Collection<Attachment> desired, boolean full) {
    synchronized (lock) {
      Map<String, CnmException> failed = new LinkedHashMap<>();
      Map<String, Attachment> want = new LinkedHashMap<>();
      desired.forEach(a -> want.put(a.sandboxId(), a));
      if (full) {
        rescan();
      }
      for (String id : List.copyOf(held.keySet())) {
        if (!want.containsKey(id)) {
          step(failed, id, () -> disconnect(id));
        }
      }
      if (want.isEmpty()) {
        return failed;
      }
      if (full || bridgeIndex < 0) {
        try {
          ensureBridge();
        } catch (CnmException e) {
          want.keySet().forEach(id -> failed.put("sandbox/" + id, e));
          return failed;
        }
      }
      for (Attachment a : want.values()) {
        Held h = held.get(a.sandboxId());
        if (h == null || !a.equals(h.attachment())) {
          step(failed, a.sandboxId(), () -> connect(a));
        }
      }
      return failed;
    }
  }

  /** The gateway-bridge address a sandbox holds, if connected. */
  public Optional<InetAddress> addressOf(String sandboxId) {
    synchronized (lock) {
      return Optional.ofNullable(held.get(sandboxId)).map(h -> h.address().address());
    }
  }

  private void ensureBridge() {
    String name = config.bridgeName();
    Optional<Link> found = host.links().find(name);
    if (found.isEmpty()) {
      host.links().add(LinkSpec.of(name, new Bridge()).withAlias(BRIDGE_MARK).withUp(true));
      found = host.links().find(name);
    } else if (!found.get().kind().equals("bridge") || !BRIDGE_MARK.equals(found.get().alias())) {
      throw CnmException.failedPrecondition(ErrorReason.LINK_NOT_OWNED, "a link named " + name + " exists and is not cnm's "
          + "gateway bridge (kind '" + found.get().kind() + "', alias '" + found.get().alias() + "')");
    } else if (!found.get().isUp()) {
      host.links().setUp(name);
    }
    int index = found.orElseThrow().index();
    IpPrefix gateway = addresses.gateway();
    boolean present = false;
    for (Address a : host.addresses().list(index, RtnetlinkH.AF_INET)) {
      if (a.prefix().equals(gateway)) {
        present = true;
      } else {
        host.addresses().delete(index, a.prefix()); // the gateway of an earlier --gwbridge-subnet
      }
    }
    if (!present) {
      host.addresses().replace(index, gateway);
    }
    if (config.hostNamespace() == null) {
      Sysctl.enableForwarding(false);
    } else {
      Namespaces.runIn(config.hostNamespace(), () -> {
        Sysctl.enableForwarding(false);
        return null;
      });
    }
    bridgeIndex = index;
  }

  /** Re-reads the connected sandboxes and their addresses from the host ends' marks. */
  private void rescan() {
    held.clear();
    addresses = new GatewayAddresses(config.subnet());
    for (Link l : host.links().list()) {
      if (l.alias() == null || !l.alias().startsWith(MARK) || !l.kind().equals("veth")) {
        continue;
      }
      String rest = l.alias().substring(MARK.length());
      int slash = rest.indexOf('/');
      try {
        InetAddress a = IpPrefix.parseAddress("alias", rest.substring(0, Math.max(slash, 0)));
        String sandboxId = rest.substring(slash + 1);
        if (l.name().equals(hostIfName(sandboxId)) && addresses.claim(sandboxId, a)) {
          held.put(sandboxId, new Held(null, new IpPrefix(a, config.subnet().length())));
          continue;
        }
      } catch (CnmException | StringIndexOutOfBoundsException malformed) {
        // not a mark this code wrote: the link is a leftover of ours, deleted below
      }
      host.links().deleteIfPresent(l.index());
    }
  }

  private void connect(Attachment a) {
    Held before = held.get(a.sandboxId());
    IpPrefix address = before != null ? before.address() : addresses.allocate(a.sandboxId());
    try (NetNamespace ns = Namespaces.openExternal(a.namespace()); NetlinkHandle in = NetlinkHandle.openIn(ns)) {
      String hostIf = hostIfName(a.sandboxId());
      String mark = MARK + address.address().getHostAddress() + "/" + a.sandboxId();
      Optional<Link> hostEnd = host.links().find(hostIf);
      Optional<Link> inner = in.links().find(SANDBOX_IFNAME);
      boolean adopt = hostEnd.isPresent() && mark.equals(hostEnd.get().alias()) && hostEnd.get().masterIndex() == bridgeIndex
          && inner.isPresent() && inner.get().kind().equals("veth") && inner.get().parentIndex() == hostEnd.get().index();
      if (!adopt) {
        hostEnd.ifPresent(l -> host.links().deleteIfPresent(l.index()));
        inner.ifPresent(l -> in.links().deleteIfPresent(l.index()));
        host.links().add(LinkSpec.of(hostIf, new Veth(SANDBOX_IFNAME, null, 0, ns.fd())).withMaster(bridgeIndex)
            .withAlias(mark));
        Veth.bringUp(host.links(), hostIf, in.links(), SANDBOX_IFNAME, false); // IPv4 only
      } else {
        in.links().setUp(SANDBOX_IFNAME);
      }
      int index = in.links().get(SANDBOX_IFNAME).index();
      List<IpPrefix> have = in.addresses().list(index, RtnetlinkH.AF_INET).stream().map(Address::prefix).toList();
      if (!have.contains(address)) {
        in.addresses().replace(index, address);
      }
      defaultRoute(in, index, a.defaultRoute());
      held.put(a.sandboxId(), new Held(a, address));
    } catch (RuntimeException e) {
      if (before == null) {
        addresses.release(address.address());
      }
      throw e;
    }
  }

  /** Routes the sandbox out through the bridge, or takes away a default route of ours it should no longer have. */
  private void defaultRoute(NetlinkHandle in, int index, boolean wanted) {
    InetAddress gateway = addresses.gateway().address();
    List<Route> defaults = in.routes().list(RtnetlinkH.AF_INET).stream().filter(Route::isDefault).toList();
    if (wanted) {
      if (defaults.stream().noneMatch(r -> r.outIndex() == index && gateway.equals(r.gateway()))) {
        in.routes().replace(Route.defaultVia(gateway, index));
      }
    } else {
      for (Route r : defaults) {
        if (r.outIndex() == index) {
          in.routes().delete(r);
        }
      }
    }
  }

  private void disconnect(String sandboxId) {
    Held h = held.remove(sandboxId);
    // an owned sandbox's namespace took the pair with it; an external one's is deleted here
    host.links().find(hostIfName(sandboxId)).filter(l -> l.alias() != null && l.alias().startsWith(MARK))
        .ifPresent(l -> host.links().deleteIfPresent(l.index()));
    if (h != null) {
      addresses.release(h.address().address());
    }
  }

  private static void step(Map<String, CnmException> failed, String sandboxId, Runnable op) {
    try {
      op.run();
    } catch (CnmException e) {
      failed.put("sandbox/" + sandboxId, e);
    } catch (RuntimeException e) {
      failed.put("sandbox/" + sandboxId, CnmException.unavailable("gateway bridge, sandbox " + sandboxId + ": " + e, e));
    }
  }

  /** The host end's name: "gw-" + the first 12 characters of the sandbox id. */
  static String hostIfName(String sandboxId) {
    return "gw-" + (sandboxId.length() > 12 ? sandboxId.substring(0, 12) : sandboxId);
  }

  @Override
  public void close() {
    synchronized (lock) {
      host.close();
    }
  }
}
