package dev.cnm.agent.netlink;

import dev.cnm.runtime.net.IpPrefix;

/**
 * An interface address as the kernel reports it.
 *
 * @param index the link's ifindex
 * @param prefix the address and prefix length (IFA_LOCAL, else IFA_ADDRESS)
 * @param flags IFA_F_* (IFA_FLAGS when present, else ifa_flags)
 * @param scope RT_SCOPE_*
 * @param label IFA_LABEL (IPv4 only), or ""
 */
public record Address(int index, IpPrefix prefix, int flags, int scope, String label) {}
