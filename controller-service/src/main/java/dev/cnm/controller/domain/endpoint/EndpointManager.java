package dev.cnm.controller.domain.endpoint;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.controller.domain.Undo;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.network.NetworkManager;
import dev.cnm.controller.domain.ports.PortRules;
import dev.cnm.controller.domain.repository.CachedThenFresh;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.domain.validation.MacAddresses;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.controller.ipam.AddressAllocator;
import dev.cnm.controller.sweep.SweepGate;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreConflictException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CreateEndpoint and DeleteEndpoint. */
public final class EndpointManager {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointManager.class);
  private final ObjectRepository repo;
  private final DriverRegistry drivers;
  private final AddressAllocator ipam;
  private final JoinManager joins;
  private final SweepGate sweepGate;

  public EndpointManager(ObjectRepository repo, DriverRegistry drivers, AddressAllocator ipam, JoinManager joins) {
    this.repo = repo;
    this.drivers = drivers;
    this.ipam = ipam;
    this.joins = joins;
    this.sweepGate = new SweepGate(repo);
  }

  public KvObject<Endpoint> create(String networkRef, Endpoint req) {
    for (int attempt = 0; ; attempt++) {
      try {
        return CachedThenFresh.run(repo, view -> Optional.of(create(view, networkRef, req)));
      } catch (SweepGate.Raced e) {
        // an IPAM sweep started between the allocation and the commit: the allocations were
        // undone (the sweep may have freed them); allocate again
        if (attempt >= SweepGate.Raced.MAX_RETRIES) {
          throw e.error("endpoint");
        }
      }
    }
  }

  /** One attempt (see {@link CachedThenFresh}): an error on the cached view is decided again on the store's. */
  private KvObject<Endpoint> create(ObjectRepository repo, String networkRef, Endpoint req) {
    boolean cached = repo.isCached();
    KvObject<Network> netKv = repo.network("network", networkRef);
    Network net = netKv.value();
    NetworkDriver driver = drivers.require("network.driver", net.getDriver());
    String name = ObjectNames.require("endpoint.name", req.getName());
    EndpointRules.check(req);
    String nameKey = StoreKeys.name(net.getId(), "endpoint", name);
    // the cached view looks the claim up in memory only: a miss is confirmed by the create Txn
    if (cached ? repo.cachedClaim(nameKey).isPresent() : repo.claimed(nameKey).isPresent()) {
      throw nameTaken(name, net.getName());
    }
    PortRules.checkExposed(req.getExposedPortsList());
    PortRules.checkBindings(req.getPortBindingsList());
    if (req.getPortBindingsCount() > 0 && driver.createsInterfaces() && !driver.publishesPorts()) {
      throw CnmException.invalidArgument("endpoint.port_bindings", "the " + driver.name()
          + " driver does not publish ports on the host; attach the sandbox to a bridge network to publish them");
    }
    // whether a fixed host port is free depends on the node of the sandbox joined: decided at Join
    String mac = !req.getMacAddress().isEmpty() ? req.getMacAddress() : driver.requestedMac(req);
    String macField = !req.getMacAddress().isEmpty() ? "endpoint.mac_address"
        : "endpoint.options[com.docker.network.endpoint.macaddress]";
    if (!mac.isEmpty()) {
      MacAddresses.require(macField, mac);
    }
    String id = Ids.newId();
    Endpoint.Builder ep = req.toBuilder().setId(id).setName(name).setNetworkId(net.getId())
        .setNetworkName(net.getName()).clearSandboxId().clearInterfaceName().clearGatewayIpv4()
        .clearGatewayIpv6().clearPortMap().clearPriority().clearRevision().setCreateTime(NetworkManager.now());
    long sweepTicket = sweepGate.enter();
    Undo undo = new Undo();
    try {
      if (driver.usesIpam()) {
        IpamPool v4 = net.getIpam().getIpv4(0);
        ep.setIpv4Address(allocate(v4, req.getIpv4Address(), "endpoint.ipv4_address", id, undo));
        if (net.getEnableIpv6() && net.getIpam().getIpv6Count() > 0) {
          ep.setIpv6Address(allocate(net.getIpam().getIpv6(0), req.getIpv6Address(), "endpoint.ipv6_address", id, undo));
        } else if (!req.getIpv6Address().isEmpty()) {
          throw CnmException.invalidArgument("endpoint.ipv6_address", "the network has no IPv6");
        }
      } else if (!req.getIpv4Address().isEmpty() || !req.getIpv6Address().isEmpty()) {
        throw CnmException.invalidArgument("endpoint.ipv4_address", "the " + driver.name() + " driver assigns no addresses");
      }
      if (mac.isEmpty() && driver.createsInterfaces()) {
        mac = derivedMac(ep.getIpv4Address());
      }
      ep.setMacAddress(mac.toLowerCase());
      Endpoint value = ep.build();
      String key = StoreKeys.endpoint(net.getId(), id);
      long rev = commit(repo, netKv, key, value, nameKey, sweepTicket);
      undo.clear();
      return new KvObject<>(key, value.toBuilder().setRevision(rev).build(), rev, rev, 1, 0);
    } catch (RuntimeException e) {
      undo.run();
      throw e;
    }
  }

  /**
   * Writes the endpoint and its name claim in one Txn guarded by the network as read (it still
   * exists) and by the absence of the network's delete fence: a DeleteNetwork that fenced the
   * network before this commit then fails this Txn instead of leaving the endpoint behind (see
   * {@link NetworkManager#delete}). The network itself is not written, so endpoint creates in one
   * network do not conflict with each other. Also guarded by the IPAM sweep's epoch (see
   * {@link SweepGate}): a sweep that started after the addresses were allocated fails it. A
   * conflict that is none of the failures named here goes back to {@link CachedThenFresh}, which
   * tries the whole create again on the store's copy (its allocations are undone first).
   */
  private long commit(ObjectRepository repo, KvObject<Network> netKv, String key, Endpoint value,
      String nameKey, long sweepTicket) {
    Network net = netKv.value();
    String fence = StoreKeys.networkDeleting(net.getId());
    try {
      return sweepGate.guard(repo.commit(), sweepTicket)
          .requireRevision(netKv.key(), netKv.modRevision()).requireAbsent(fence)
          .create(key, value).create(nameKey, StringValue.of(value.getId())).commit();
    } catch (StoreConflictException e) {
      if (sweepGate.moved(sweepTicket)) {
        throw new SweepGate.Raced();
      }
      if (repo.fresh().networkById(net.getId()).isEmpty()) {
        throw CnmException.notFound("network", "network \"" + net.getName() + "\" was deleted meanwhile");
      }
      if (repo.store().get(fence, StringValue.parser()).isPresent()) {
        throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.NETWORK_BEING_DELETED, "network: \""
            + net.getName() + "\" is being deleted", Map.of("field", "network", "network_id", net.getId()), null);
      }
      if (repo.fresh().claimed(nameKey).isPresent()) {
        throw nameTaken(value.getName(), net.getName());
      }
      throw e;
    }
  }

  private String allocate(IpamPool pool, String requested, String field, String owner, Undo undo) {
    String want = "";
    if (!requested.isEmpty()) {
      int slash = requested.indexOf('/');
      byte[] a = Cidr.parseAddress(field, slash < 0 ? requested : requested.substring(0, slash));
      Cidr subnet = Cidr.parse("subnet", pool.getSubnet());
      if (!subnet.contains(a)) {
        throw CnmException.invalidArgument(field, requested + " is outside the network's subnet " + pool.getSubnet());
      }
      want = Cidr.format(a);
    }
    String got;
    try {
      got = ipam.requestAddress(pool.getPoolId(), want, AddressAllocator.Kind.ENDPOINT, owner);
    } catch (CnmException e) {
      if (e.kind() == ErrorKind.ALREADY_EXISTS) {
        throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.ADDRESS_IN_USE, field + ": " + want + " is already allocated",
            Map.of("field", field), e);
      }
      throw NetworkManager.withField(field, e);
    }
    String addr = got.substring(0, got.indexOf('/'));
    undo.push(() -> ipam.releaseAddress(pool.getPoolId(), addr, owner));
    return got;
  }

  /** libnetwork's GenerateMACFromIP: 02:42 followed by the IPv4 bytes; random when there is none. */
  static String derivedMac(String ipv4) {
    byte[] mac = new byte[6];
    if (!ipv4.isEmpty()) {
      byte[] a = Cidr.parseAddress("ipv4", ipv4.substring(0, ipv4.indexOf('/')));
      mac[0] = 0x02;
      mac[1] = 0x42;
      System.arraycopy(a, 0, mac, 2, 4);
    } else {
      new java.security.SecureRandom().nextBytes(mac);
      mac[0] = (byte) ((mac[0] & 0xfe) | 0x02);
    }
    return HexFormat.ofDelimiter(":").formatHex(mac);
  }

  /** Deletes an endpoint; a joined one only with {@code force} (it leaves first). */
  public void delete(String networkRef, String ref, boolean force) {
    // the first attempt reads from memory; its guarded Txn catches a stale copy
    Endpoint e = CachedThenFresh.run(repo, view -> {
      KvObject<Endpoint> ep = view.endpoint("network", networkRef, "endpoint", ref);
      if (!ep.value().getSandboxId().isEmpty()) {
        if (!force) {
          throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ENDPOINT_JOINED,
              "endpoint \"" + ep.value().getName() + "\" is joined to sandbox " + Ids.shortId(ep.value().getSandboxId())
                  + "; leave first or force", Map.of("field", "endpoint"), null);
        }
        joins.leave(ep.value().getNetworkId(), ep.value().getId(), ep.value().getSandboxId());
        ep = repo.fresh().endpoint("network", ep.value().getNetworkId(), "endpoint", ep.value().getId());
      }
      String nameKey = StoreKeys.name(ep.value().getNetworkId(), "endpoint", ep.value().getName());
      repo.commit().delete(ep).deleteKey(nameKey).commit();
      return Optional.of(ep.value());
    });
    repo.cached().networkById(e.getNetworkId()).ifPresent(net -> release(net.value(), e));
  }

  private void release(Network net, Endpoint e) {
    try {
      if (!e.getIpv4Address().isEmpty() && net.getIpam().getIpv4Count() > 0) {
        ipam.releaseAddress(net.getIpam().getIpv4(0).getPoolId(), strip(e.getIpv4Address()), e.getId());
      }
      if (!e.getIpv6Address().isEmpty() && net.getIpam().getIpv6Count() > 0) {
        ipam.releaseAddress(net.getIpam().getIpv6(0).getPoolId(), strip(e.getIpv6Address()), e.getId());
      }
    } catch (RuntimeException ex) {
      LOG.warn("releasing addresses of endpoint " + e.getId() + " failed; the next IPAM sweep frees them (the"
          + " endpoint is no longer in the store): " + ex.getMessage());
    }
  }

  private static String strip(String cidr) {
    int slash = cidr.indexOf('/');
    return slash < 0 ? cidr : cidr.substring(0, slash);
  }

  private static CnmException nameTaken(String name, String network) {
    return new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.NAME_IN_USE,
        "endpoint.name: network \"" + network + "\" already has an endpoint named \"" + name + "\"",
        Map.of("field", "endpoint.name"), null);
  }
}
