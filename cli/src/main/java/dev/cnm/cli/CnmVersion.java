package dev.cnm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code cnm --version}: the Maven project version, filtered into a resource at build time. */
public final class CnmVersion implements IVersionProvider {
  static final String RESOURCE = "/dev/cnm/cli/version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {"cnm " + version(), "java " + System.getProperty("java.version")};
  }

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    try (InputStream in = CnmVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
