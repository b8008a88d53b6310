/**
 * The node agent wired together ({@link dev.cnm.agent.process.NodeAgentProcess}): the drivers it
 * registers, the apply pipeline and the session to the controller.
 */
package dev.cnm.agent.process;
