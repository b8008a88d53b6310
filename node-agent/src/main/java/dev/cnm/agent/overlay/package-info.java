/**
 * The overlay driver's data half: VXLAN networks across nodes without gossip or flooding. Each
 * network lives in a namespace of its own under {@code <state>/overlay/netns} (bridge + VXLAN
 * device with ARP/ND proxy, both marked {@code cnm:<network-id>}); sandboxes attach by veth;
 * remote endpoints are static FDB + permanent neighbour entries set by
 * {@link dev.cnm.agent.overlay.OverlayDataplane#setPeers}. Entry point:
 * {@link dev.cnm.agent.overlay.OverlayDataplane#open}.
 */
package dev.cnm.agent.overlay;
