package dev.cnm.agent.cni;

import java.nio.charset.StandardCharsets;

/**
 * How a runtime's attachment is found again in cnm: the sandbox has the container id as its
 * container id, and the endpoint, on the configured network, is named {@code <ifname>.<container id>}
 * (cut to cnm's 64 bytes), so that DEL and CHECK reach it with one lookup from their own call.
 * Sandboxes ADD creates carry {@link #PLUGIN_LABEL}, so DEL never deletes a sandbox that cnm's own
 * clients made for the same container id.
 */
final class AttachmentNames {
  static final String PLUGIN_LABEL = "dev.cnm.cni.plugin";
  static final String PLUGIN_LABEL_VALUE = "cnm";
  private static final int MAX_NAME_BYTES = 64;

  private AttachmentNames() {}

  /** The endpoint's name; the container id (ASCII, as CniCall checked) is cut when it would pass 64 bytes. */
  static String endpoint(String containerId, String ifname) {
    String prefix = ifname + ".";
    int room = MAX_NAME_BYTES - prefix.getBytes(StandardCharsets.UTF_8).length;
    return prefix + (containerId.length() > room ? containerId.substring(0, room) : containerId);
  }
}
