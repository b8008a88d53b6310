package dev.cnm.agent.sandboxfiles;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * The node's own resolv.conf as the embedded resolvers use it: its nameservers are their
 * upstreams when a sandbox names none (loopback ones included: the resolvers forward from the
 * agent's namespace, where systemd-resolved's 127.0.0.53 answers). Read again only when the file's modification time
 * changes, so an edit (a DHCP lease, a VPN) reaches the next snapshot without a read per
 * snapshot. Used from the agent's apply thread only.
 */
public final class HostResolvConf {
  private final Path path;
  private FileTime readAt;
  private List<InetAddress> nameservers = List.of();

  public HostResolvConf(Path path) {
    this.path = path;
  }

  /** The file's nameservers now, in order; none when it cannot be read. */
  public List<InetAddress> nameservers() {
    try {
      FileTime modified = Files.getLastModifiedTime(path);
      if (!modified.equals(readAt)) {
        nameservers = List.copyOf(new ResolvConfText(Files.readString(path)).nameservers());
        readAt = modified;
      }
    } catch (IOException e) {
      nameservers = List.of(); // no resolv.conf: names that are not ours fail (SERVFAIL), forwarded nowhere
      readAt = null;
    }
    return nameservers;
  }
}
