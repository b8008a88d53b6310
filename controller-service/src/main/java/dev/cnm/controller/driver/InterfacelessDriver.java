package dev.cnm.controller.driver;

import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.errors.CnmException;
import java.util.List;
import java.util.Map;

/**
 * The common half of libnetwork's null and host drivers: one local network per driver, no IPAM,
 * no interfaces, no options. They differ only in their name and in what the agent does with the
 * sandbox (loopback only, or the host's own stack).
 */
abstract class InterfacelessDriver extends AbstractNetworkDriver {
  InterfacelessDriver(String name) {
    super(name, Scope.SCOPE_LOCAL, false, false);
  }

  @Override
  public boolean singleInstance() {
    return true;
  }

  @Override
  public List<String> optionKeys() {
    return List.of();
  }

  @Override
  public Map<String, String> networkOptions(String networkId, Map<String, String> given) {
    for (String key : given.keySet()) {
      throw CnmException.invalidArgument("network.options[" + key + "]", "the " + name() + " driver takes no options");
    }
    return Map.of();
  }

  @Override
  public NodeNetwork nodeNetwork(Network network) {
    return NodeNetwork.newBuilder().setId(network.getId()).setName(network.getName()).setDriver(name()).build();
  }
}
