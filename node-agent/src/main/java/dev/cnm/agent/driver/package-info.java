/**
 * The seam between the agent's apply pipeline and its drivers' data halves: {@link
 * dev.cnm.agent.driver.NodeDriver} (one per driver, in a package of its own under {@code driver})
 * and the {@link dev.cnm.agent.driver.DriverRegistry} the agent is wired with. The one
 * {@link dev.cnm.agent.driver.SandboxKeeper} keeps the sandbox namespaces the others attach to.
 */
package dev.cnm.agent.driver;
