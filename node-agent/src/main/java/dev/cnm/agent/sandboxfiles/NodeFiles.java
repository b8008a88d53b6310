package dev.cnm.agent.sandboxfiles;

import dev.cnm.agent.firewall.IpLiterals;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The node's own hosts and resolv.conf, of which a host-mode sandbox gets copies (Docker copies
 * {@code /etc/hosts} and {@code /etc/resolv.conf} for a {@code --network host} container). They
 * are copied as they are: the sandbox is in the node's namespace, so the node's resolvers,
 * loopback ones such as systemd-resolved's 127.0.0.53 included, answer it as they answer the node.
 * A file the node does not have is copied as an empty one.
 *
 * @param hostsFile the node's hosts file
 * @param resolvConfFile the node's resolv.conf
 */
public record NodeFiles(Path hostsFile, Path resolvConfFile) {
  /** This machine's files. */
  public static final NodeFiles SYSTEM = new NodeFiles(Path.of("/etc/hosts"), Path.of("/etc/resolv.conf"));

  /** The node's hosts file, then one line per extra host (as {@link HostsFile} writes them). */
  public String hosts(List<ExtraHost> extraHosts) {
    StringBuilder out = new StringBuilder(read(hostsFile));
    if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
      out.append('\n');
    }
    for (ExtraHost extra : extraHosts) {
      out.append(IpLiterals.format(extra.address())).append('\t').append(extra.name()).append('\n');
    }
    return out.toString();
  }

  /** The node's resolv.conf as it is. */
  public String resolvConf() {
    return read(resolvConfFile);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.HOST_FILE_UNREADABLE, "cannot read the node's " + file
          + ": " + e.getMessage(), Map.of("path", file.toString()), e);
    }
  }
}
