package dev.cnm.controller.domain.join;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import java.util.Map;

/**
 * Docker's rule for host networking, checked at Join before anything is written: a host-mode
 * sandbox (one created with {@code host_network}, living in its node's own namespace) takes
 * endpoints of host networks only, and a host network's endpoints join host-mode sandboxes only.
 * Docker refuses both ways too: a {@code --network host} container cannot be connected to another
 * network, and no other container can be connected to the host network. Host mode is fixed at
 * CreateSandbox, so a Join never moves a sandbox to another namespace under a running container.
 */
final class HostNetworkRule {
  private HostNetworkRule() {}

  /**
   * FAILED_PRECONDITION naming the sandbox when {@code sandbox} may not join {@code network};
   * {@code hostNetwork} tells whether the network's driver shares the node's namespace.
   */
  static void checkJoin(Sandbox sandbox, Network network, boolean hostNetwork) {
    if (sandbox.getHostNetwork() == hostNetwork) {
      return;
    }
    String sb = "\"" + sandbox.getContainerId() + "\" (" + Ids.shortId(sandbox.getId()) + ")";
    String message = sandbox.getHostNetwork()
        ? sb + " uses its node's own network namespace (host_network): only endpoints of a host network can join it, "
            + "and network \"" + network.getName() + "\" is a " + network.getDriver() + " network"
        : sb + " has a network namespace of its own: endpoints of host network \"" + network.getName()
            + "\" join only sandboxes created with host_network";
    throw new CnmException(ErrorKind.FAILED_PRECONDITION,
        sandbox.getHostNetwork() ? ErrorReason.SANDBOX_IN_HOST_NAMESPACE : ErrorReason.SANDBOX_NOT_IN_HOST_NAMESPACE, "sandbox: " + message,
        Map.of("field", "sandbox", "sandbox_id", sandbox.getId(), "network_id", network.getId()), null);
  }
}
