package dev.cnm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The check every kernel test makes first: it fails (never skips) when it cannot do kernel work here. */
public final class Root {
  private Root() {}

  /** Fails with {@code why} unless this process's effective uid is 0 (read from /proc/self/status). */
  public static void require(String why) {
    String uid = "";
    try {
      uid = Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII).stream()
          .filter(l -> l.startsWith("Uid:")).findFirst().orElse("");
    } catch (IOException e) {
      fail("cannot read /proc/self/status: " + e);
    }
    // "Uid: real effective saved filesystem"
    String[] fields = uid.trim().split("\\s+");
    if (fields.length < 3 || !fields[2].equals("0")) {
      fail(why);
    }
  }
}
