/**
 * cnm as a CNI plugin, on the agent's side. The plugin executable is a shell script
 * ({@code dev/cnm/agent/cni/cnm} among the resources) that forwards each call to the agent's local
 * API; {@link dev.cnm.agent.cni.CniRoutes} registers that route, {@link dev.cnm.agent.cni.CniCall}
 * reads the call (the CNI_* environment and the network configuration), and
 * {@link dev.cnm.agent.cni.CniPlugin} carries out ADD, DEL, CHECK, VERSION, GC and STATUS through the
 * controller's public API, so that the controller's store stays the one record of what is
 * attached: ADD creates an endpoint on the configured cnm network and a sandbox on the runtime's
 * namespace (cnm's external sandbox key) and joins them. Failures are CNI error objects
 * ({@link dev.cnm.agent.cni.CniError}) with the specification's codes.
 */
package dev.cnm.agent.cni;
