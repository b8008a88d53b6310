/**
 * The agent's local API: HTTP/1.1 with JSON bodies on a Unix domain socket of this node, the
 * transport that front ends for local clients share. {@link dev.cnm.agent.localapi.LocalApiServer}
 * binds the socket (mode 0600) and dispatches each request by method and path to a
 * {@link dev.cnm.agent.localapi.LocalApiHandler}; the CNI plugin's routes live in
 * {@code dev.cnm.agent.cni}, and others (Docker's plugin protocol) can register theirs on the same
 * server. One request per connection: the server answers with {@code Connection: close}.
 */
package dev.cnm.agent.localapi;
