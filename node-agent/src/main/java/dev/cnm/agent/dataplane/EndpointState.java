package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;

/**
 * An attached endpoint as the kernel holds it: what the agent acks back to the controller.
 *
 * @param endpointId its id
 * @param sandboxId the sandbox it is in
 * @param hostIfName the host end's name (a port of the bridge)
 * @param ifName its name inside the sandbox
 * @param ifIndex its ifindex inside the sandbox
 * @param mac its MAC
 * @param addresses its addresses (IPv4 first)
 */
public record EndpointState(String endpointId, String sandboxId, String hostIfName, String ifName, int ifIndex,
    MacAddress mac, List<IpPrefix> addresses) {
  public EndpointState {
    addresses = List.copyOf(addresses);
  }
}
