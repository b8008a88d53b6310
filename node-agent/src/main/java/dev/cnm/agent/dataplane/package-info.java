/**
 * The bridge driver's data half: the API the agent session drives.
 *
 * <pre>{@code
 * try (BridgeDataplane dp = BridgeDataplane.open(DataplaneConfig.of(stateDir))) {
 *   dp.ensureNetwork(new NetworkSpec(netId, null, 1500, IpPrefix.parse("gw", "10.1.0.1/24"), null));
 *   dp.createSandbox(sandboxId);                           // or useExternalSandbox(id, path)
 *   EndpointState s = dp.attachEndpoint(EndpointSpec.of(epId, netId, sandboxId,
 *       IpPrefix.parse("ip", "10.1.0.2/24"), null));       // ack s.ifName(), s.mac(), s.addresses()
 *   dp.deleteSandbox(sandboxId);                           // fast tear-down: endpoints go with it
 *   ReconcileReport r = dp.reconcile(desiredState);         // on every (re)connect
 * }
 * }</pre>
 *
 * Every operation validates its input before touching the kernel, is idempotent, and throws
 * {@link dev.cnm.runtime.errors.CnmException}; kernel failures are
 * {@link dev.cnm.agent.netlink.sys.SystemCallException} subclasses carrying the errno and the
 * "ip ..." equivalent of what failed. {@link dev.cnm.agent.dataplane.ReconcileReport#failed()}
 * gives per-object errors for a NACK.
 */
package dev.cnm.agent.dataplane;
