package dev.cnm.controller.domain.repository;

/** The controller's part of the store layout (design.md "Store layout"). */
public final class StoreKeys {
  public static final String ROOT = "/cnm/v1/";
  public static final String NETWORKS = ROOT + "networks/";
  public static final String ENDPOINTS = ROOT + "endpoints/";
  public static final String SANDBOXES = ROOT + "sandboxes/";
  public static final String NODES = ROOT + "nodes/";
  public static final String NAMES = ROOT + "names/";
  /**
   * Published host ports, per node: {@code <node>/<host-ip>/<proto>/<port>} claimed in the
   * Join's Txn so two endpoints never publish one port on one address of a node (see {@code PortClaims}).
   */
  public static final String PORTS = ROOT + "ports/";
  /**
   * Per node, the store revision the node's last acknowledged desired state covers, written by
   * the replica holding the node's session and attached to that session's lease: how another
   * replica learns that a change it committed reached the node.
   */
  public static final String NODE_ACKS = ROOT + "nodeacks/";
  /**
   * Per network being deleted, a leased fence: an endpoint's create Txn requires it absent, so no
   * endpoint lands in a network whose delete already checked for endpoints.
   */
  public static final String DELETING = ROOT + "deleting/networks/";
  /** The IPAM sweep's coordination keys (see {@code SweepGate}). */
  public static final String IPAM_SWEEP = ROOT + "ipamsweep/";
  /** Leased: the controller replica that runs the periodic IPAM sweep. */
  public static final String IPAM_SWEEP_LEADER = IPAM_SWEEP + "leader";
  /** Rewritten at the start of every sweep (never deleted): creates guard their commit by its revision. */
  public static final String IPAM_SWEEP_EPOCH = IPAM_SWEEP + "epoch";
  /** Leased: present while a sweep runs; creates do not allocate meanwhile. */
  public static final String IPAM_SWEEP_RUNNING = IPAM_SWEEP + "running";

  private StoreKeys() {}

  public static String network(String id) {
    return NETWORKS + id;
  }

  public static String endpoints(String networkId) {
    return ENDPOINTS + networkId + "/";
  }

  public static String endpoint(String networkId, String endpointId) {
    return ENDPOINTS + networkId + "/" + endpointId;
  }

  public static String sandbox(String id) {
    return SANDBOXES + id;
  }

  public static String node(String name) {
    return NODES + name;
  }

  /** Name claim: {@code scope} is "local"/"global" for networks, a network id for endpoints. */
  public static String name(String scope, String kind, String name) {
    return NAMES + scope + "/" + kind + "/" + name;
  }

  public static String networkDeleting(String networkId) {
    return DELETING + networkId;
  }

  public static String nodeAck(String node) {
    return NODE_ACKS + node;
  }

  /** The published ports of one node. */
  public static String ports(String node) {
    return PORTS + node + "/";
  }

  /** A port claim; {@code hostIp} in canonical form (see {@code PortClaims.canonicalIp}). */
  public static String port(String node, String hostIp, String protocol, int port) {
    return ports(node) + hostIp + "/" + protocol + "/" + port;
  }

  /**
   * Written by every claim on a specific address of {@code family} ("ipv4"/"ipv6") for one port
   * of a node, so that a claim on the family's unspecified address, which must see none of them,
   * can guard on this one key (see {@code PortClaims}). The segment is never an address literal.
   */
  public static String portAddresses(String node, String family, String protocol, int port) {
    return ports(node) + family + "-addresses/" + protocol + "/" + port;
  }
}
