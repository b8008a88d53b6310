package dev.cnm.agent.overlay;

import java.nio.file.Path;

/**
 * An overlay network as this node holds it.
 *
 * @param networkId its id
 * @param namespacePath its namespace's nsfs file ({@code <state>/overlay/netns/<id>})
 * @param vni its VXLAN id
 * @param mtu the MTU in effect (bridge, VXLAN device and every endpoint)
 * @param underlayLink the name of the underlay link holding the local address
 * @param changed whether the last ensureNetwork created or repaired something
 */
public record OverlayNetworkState(String networkId, Path namespacePath, int vni, int mtu, String underlayLink,
    boolean changed) {}
