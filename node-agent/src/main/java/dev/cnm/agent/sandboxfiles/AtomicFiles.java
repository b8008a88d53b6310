package dev.cnm.agent.sandboxfiles;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Replaces a file so that a reader sees either the old content or the new one, never a mix,
 * and a crash leaves one of the two on disk: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory. Files that their owner regenerates
 * from authoritative state on every start may skip the two fsyncs: the rename alone keeps a
 * reader from seeing a mix, and after a crash the owner writes them again.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code content} (UTF-8) to {@code target}, mode 0644, creating parent directories. */
  public static void write(Path target, String content) {
    write(target, content, true);
  }

  /** As {@link #write(Path, String)}; {@code sync} false skips the fsyncs (regenerated files only). */
  public static void write(Path target, String content, boolean sync) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        if (sync) {
          channel.force(true);
        }
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename atomically within " + dir, e);
      }
      temp = null;
      if (sync) {
        syncDirectory(dir);
      }
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.SANDBOX_FILE_WRITE_FAILED,
          "cannot write " + target + ": " + e.getMessage(), Map.of("path", target.toString()), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // the write already failed; that error is the one to report
        }
      }
    }
  }

  /** Makes the rename itself durable. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
