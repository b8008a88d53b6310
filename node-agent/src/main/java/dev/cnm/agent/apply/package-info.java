/**
 * The apply pipeline: one snapshot of the node's desired state made true through the drivers in
 * the {@link dev.cnm.agent.driver.DriverRegistry} ({@link dev.cnm.agent.apply.DataplaneApplier}),
 * then the firewall, the userland proxies and the sandboxes' files, with one status per object
 * for the ack. It knows no driver by name.
 */
package dev.cnm.agent.apply;
