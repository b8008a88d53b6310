package dev.cnm.agent.dataplane;

import java.nio.file.Path;

/**
 * A sandbox as it is on this node.
 *
 * @param sandboxId its id
 * @param namespacePath the namespace file (the sandbox "key" in libnetwork's terms)
 * @param owned true when cnm created the namespace and deletes it with the sandbox
 */
public record SandboxState(String sandboxId, Path namespacePath, boolean owned) {}
