package dev.cnm.controller.domain.sandbox;

import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;

/**
 * A sandbox's hosts and resolv.conf paths, derived from the directory its node's agent registered
 * ({@code Node.sandbox_files_directory}): the agent writes {@code <dir>/<sandbox id>/hosts} and
 * {@code <dir>/<sandbox id>/resolv.conf}. Each node registers its own directory, so on a cluster
 * the paths follow the sandbox's node. Set when the sandbox is created, in the same Txn as the
 * sandbox, as its key is.
 */
final class SandboxFilePaths {
  static final String HOSTS = "hosts";
  static final String RESOLV_CONF = "resolv.conf";

  private SandboxFilePaths() {}

  /** {@code sandbox} with both paths set from {@code node}'s directory, or cleared when the node names none. */
  static Sandbox.Builder of(Node node, String sandboxId, Sandbox.Builder sandbox) {
    String dir = node.getSandboxFilesDirectory();
    if (dir.isEmpty()) {
      return sandbox.clearHostsPath().clearResolvConfPath();
    }
    String base = dir + (dir.endsWith("/") ? "" : "/") + sandboxId + "/";
    return sandbox.setHostsPath(base + HOSTS).setResolvConfPath(base + RESOLV_CONF);
  }
}
