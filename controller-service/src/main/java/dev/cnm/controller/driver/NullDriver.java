package dev.cnm.controller.driver;

import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.errors.CnmException;
import java.util.List;
import java.util.Map;

/** libnetwork's null driver: sandboxes with only a loopback interface. */
final class NullDriver implements NetworkDriver {
  @Override
  public String name() {
    return "null";
  }

  @Override
  public Scope scope() {
    return Scope.SCOPE_LOCAL;
  }

  @Override
  public boolean usesIpam() {
    return false;
  }

  @Override
  public boolean createsInterfaces() {
    return false;
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
      throw CnmException.invalidArgument("network.options[" + key + "]", "the null driver takes no options");
    }
    return Map.of();
  }

  @Override
  public NodeNetwork nodeNetwork(Network network) {
    return NodeNetwork.newBuilder().setId(network.getId()).setName(network.getName()).setDriver(name()).build();
  }
}
