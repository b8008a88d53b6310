package dev.cnm.agent.dataplane;

import dev.cnm.runtime.ids.Ids;
import java.nio.file.Path;

/**
 * A sandbox (a container's network stack) as this node must hold it.
 *
 * @param sandboxId the sandbox's id (and the name of its namespace file when cnm owns it)
 * @param externalPath a namespace made by a container runtime (e.g. {@code /proc/PID/ns/net}) that
 *     cnm configures and never deletes; null for a namespace cnm creates and owns
 */
public record SandboxSpec(String sandboxId, Path externalPath) {
  public SandboxSpec {
    Ids.check("sandboxId", sandboxId);
  }

  public static SandboxSpec owned(String sandboxId) {
    return new SandboxSpec(sandboxId, null);
  }

  public static SandboxSpec external(String sandboxId, Path path) {
    return new SandboxSpec(sandboxId, path);
  }
}
