package dev.cnm.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's host name, for naming a node or a replica. */
public final class HostName {
  private HostName() {}

  /**
   * The kernel's host name (uname's nodename), as Go's os.Hostname gives dockerd. Not
   * InetAddress.getLocalHost(), which resolves the name and fails on hosts whose name is in no
   * /etc/hosts or DNS (fresh VMs, chroots, containers), though only the name is wanted. Falls
   * back to the JDK's answer where there is no procfs, and to "localhost" when that fails too.
   */
  public static String get() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException e) {
      // no procfs: ask the JDK below
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
