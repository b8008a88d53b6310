package dev.cnm.agent.sandboxfiles;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Rewrites a file in place, keeping its inode, as libnetwork's etchosts package does with a
 * container's hosts file: a runtime bind-mounts the sandbox's hosts and resolv.conf into the
 * container, and a bind mount holds the inode, so a file replaced by a rename would leave the
 * container reading the old one after the next Join. The new content is written over the old
 * one from offset 0 and the file then cut to its length, so it is never empty; a reader racing
 * the single write may see a mix, which libnetwork accepts too. No fsync: only for files that
 * their owner regenerates from authoritative state on every start. Not making a new inode per
 * write also spares ext4's inode allocator, which showed in the agent's profile.
 */
public final class InPlaceFiles {
  private InPlaceFiles() {}

  /** Writes {@code content} (UTF-8) to {@code target}, mode 0644 when created, creating parent directories. */
  public static void write(Path target, String content) {
    try {
      Path dir = target.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
      }
      ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      try (FileChannel channel = FileChannel.open(target, java.util.Set.of(StandardOpenOption.CREATE,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
        long at = 0;
        while (bytes.hasRemaining()) {
          at += channel.write(bytes, at);
        }
        channel.truncate(at);
      }
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.SANDBOX_FILE_WRITE_FAILED,
          "cannot write " + target + ": " + e.getMessage(), Map.of("path", target.toString()), e);
    }
  }
}
