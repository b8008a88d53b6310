package dev.cnm.agent.testsupport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * Test-only: runs code on a thread whose effective capability set lacks one capability.
 * Capabilities are per thread in Linux and capset(2) changes only the caller, so the rest of
 * the JVM keeps root's powers. Used to make the kernel answer EPERM on purpose.
 */
public final class DropCapability {
  public static final int CAP_NET_ADMIN = 12;
  private static final int VERSION_3 = 0x20080522;

  /** capget/capset on the calling thread. */
  public interface Caps {
    @SaveError int capget(byte[] header, byte[] data);

    @SaveError int capset(byte[] header, byte[] data);
  }

  private static final Caps CAPS = LibraryLoader.create(Caps.class).load("c");

  private DropCapability() {}

  /** Runs {@code task} on a fresh thread without {@code cap} in its effective set; returns what it threw. */
  public static Throwable runWithout(int cap, Runnable task) {
    Throwable[] thrown = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        byte[] header = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(VERSION_3).putInt(0).array();
        byte[] data = new byte[24];
        if (CAPS.capget(header, data) != 0) {
          throw new IllegalStateException("capget errno " + Runtime.getRuntime(CAPS).getLastError());
        }
        ByteBuffer d = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        int word = cap / 32 * 12; // struct { u32 effective, permitted, inheritable } [2]
        d.putInt(word, d.getInt(word) & ~(1 << (cap % 32)));
        if (CAPS.capset(header, data) != 0) {
          throw new IllegalStateException("capset errno " + Runtime.getRuntime(CAPS).getLastError());
        }
        task.run();
      } catch (Throwable e) {
        thrown[0] = e;
      }
    }, "cnmt-nocap");
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return thrown[0];
  }
}
