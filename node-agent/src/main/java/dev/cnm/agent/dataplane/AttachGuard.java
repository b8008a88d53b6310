package dev.cnm.agent.dataplane;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import java.util.Optional;

/**
 * The checks every driver's attach makes, in one place, before it touches the kernel: an attach
 * is idempotent (the same endpoint asked again with the same spec returns what it holds), an
 * endpoint attached with other settings must be detached first, and the endpoint's network must
 * have been ensured on this node. The bridge and overlay dataplanes use these, as will the next
 * driver's.
 */
public final class AttachGuard {
  private AttachGuard() {}

  /**
   * What an attach of {@code spec} returns when endpoint {@code endpointId} is already attached
   * with {@code attachedSpec} (null: it is not): its state when the specs are equal, else
   * ALREADY_EXISTS.
   *
   * @return the attached state to return as is, or empty when the endpoint is not attached yet
   */
  public static <S> Optional<EndpointState> reattach(String endpointId, S spec, S attachedSpec,
      EndpointState attachedState) {
    if (attachedSpec == null) {
      return Optional.empty();
    }
    if (attachedSpec.equals(spec)) {
      return Optional.of(attachedState);
    }
    throw CnmException.alreadyExists("endpoint", "endpoint " + endpointId
        + " is already attached with different settings; detach it first");
  }

  /**
   * {@code network}, the network {@code networkId} as this node holds it (null: not set up):
   * FAILED_PRECONDITION NETWORK_NOT_READY when it is not. {@code kind} names it in the message
   * ("network", "overlay network").
   */
  public static <N> N readyNetwork(N network, String kind, String networkId) {
    if (network == null) {
      throw CnmException.failedPrecondition(ErrorReason.NETWORK_NOT_READY, kind + " " + networkId
          + " is not set up on this node (ensureNetwork first)");
    }
    return network;
  }
}
