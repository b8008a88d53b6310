package dev.cnm.agent.cni;

import java.util.List;

/** The CNI specification versions the plugin speaks; results are written in the configuration's. */
public final class CniVersions {
  /** Oldest first. 0.4.0 is the first with CHECK, 1.1.0 the first with GC and STATUS. */
  public static final List<String> SUPPORTED = List.of("0.4.0", "1.0.0", "1.1.0");
  /** The version of answers written before a configuration was read (VERSION's, and early errors). */
  public static final String LATEST = "1.1.0";

  private CniVersions() {}

  /** Returns {@code version}, or throws code 1 naming {@code cniVersion}. */
  static String check(String version) {
    if (!SUPPORTED.contains(version)) {
      throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion: \"" + version + "\" is not supported by the cnm "
          + "plugin", "supported versions: " + String.join(", ", SUPPORTED));
    }
    return version;
  }
}
