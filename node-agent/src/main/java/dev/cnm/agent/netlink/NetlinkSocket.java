package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.NlMsgErr;
import dev.cnm.agent.netlink.codec.NlMsgHdr;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netlink.sys.SystemCallException;
import dev.cnm.runtime.errors.CnmException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One NETLINK_ROUTE socket. It stays in the namespace of the thread that opened it, whatever
 * thread uses it later. Requests are serialised on {@link #lock}; each carries the next
 * sequence number and only answers with that number count (late answers to an earlier,
 * timed-out request are dropped).
 */
final class NetlinkSocket implements AutoCloseable {
  /** Requests are small; a larger one gets a bigger buffer for that call. */
  private static final int SEND_BUFFER_SIZE = 1 << 14;
  /**
   * At least 32 KiB: the kernel sizes dump datagrams after the largest buffer a socket has
   * received into, up to 32 KiB, so every datagram fits. MSG_TRUNC reveals one that would not.
   */
  private static final int RECEIVE_BUFFER_SIZE = 1 << 16;
  private static final int MSG_TRUNC = 0x20;
  /**
   * Direct buffers per thread, not per socket: an agent holds one socket per sandbox, and
   * 2 x 64 KiB each would add up to hundreds of MiB of native memory on a busy node.
   */
  private static final ThreadLocal<ByteBuffer> SEND = ThreadLocal.withInitial(
      () -> ByteBuffer.allocateDirect(SEND_BUFFER_SIZE).order(ByteOrder.nativeOrder()));
  private static final ThreadLocal<ByteBuffer> RECEIVE = ThreadLocal.withInitial(
      () -> ByteBuffer.allocateDirect(RECEIVE_BUFFER_SIZE).order(ByteOrder.nativeOrder()));
  private static final int DUMP_ATTEMPTS = 5;
  private static final long RECEIVE_TIMEOUT_MS = 10_000;
  /** struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; } for the kernel (pid 0). */
  private static final byte[] KERNEL = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
      .putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).array();

  private final Object lock = new Object();
  // guarded by lock: fd, seq
  private int fd;
  private int seq;

  private NetlinkSocket(int fd) {
    this.fd = fd;
    this.seq = (int) (System.nanoTime() & 0x3fffffff);
  }

  /** Opens a socket in the calling thread's network namespace. */
  static NetlinkSocket open() {
    int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NetlinkH.NETLINK_ROUTE);
    try {
      LibC.bind(fd, KERNEL);
      LibC.setsockoptInt(fd, LibC.SOL_NETLINK, NetlinkH.NETLINK_EXT_ACK, 1);
      LibC.setsockoptInt(fd, LibC.SOL_NETLINK, NetlinkH.NETLINK_CAP_ACK, 1);
      LibC.setsockoptInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, 1 << 20);
      LibC.setReceiveTimeout(fd, RECEIVE_TIMEOUT_MS);
      return new NetlinkSocket(fd);
    } catch (RuntimeException e) {
      LibC.close(fd);
      throw e;
    }
  }

  /**
   * Sends a request that changes something and waits for its ACK (NLM_F_ACK is added).
   *
   * @param operation the "ip ..." equivalent, for the exception's message
   */
  void execute(MessageWriter request, String operation) {
    exchange(request, operation, Mode.EXECUTE);
  }

  /**
   * Sends a dump request (NLM_F_DUMP is expected in its flags) and returns every answer of type
   * {@code answerType} (e.g. RTM_NEWLINK for an RTM_GETLINK dump).
   */
  List<NetlinkMessage> dump(MessageWriter request, String operation, int answerType) {
    for (int attempt = 1; ; attempt++) {
      try {
        List<NetlinkMessage> out = new ArrayList<>();
        for (NetlinkMessage m : exchange(request, operation, Mode.DUMP)) {
          if (m.header().type() == answerType) {
            out.add(m);
          }
        }
        return out;
      } catch (DumpInterrupted e) {
        if (attempt == DUMP_ATTEMPTS) {
          throw CnmException.unavailable(operation + ": the dump kept changing under us (NLM_F_DUMP_INTR)", null);
        }
      }
    }
  }

  /** Sends a request expecting exactly one answer message (a get). */
  NetlinkMessage get(MessageWriter request, String operation) {
    List<NetlinkMessage> all = exchange(request, operation, Mode.GET);
    if (all.isEmpty()) {
      throw CnmException.unavailable(operation + ": the kernel sent no answer", null);
    }
    return all.get(0);
  }

  private List<NetlinkMessage> exchange(MessageWriter request, String operation, Mode mode) {
    synchronized (lock) {
      if (fd < 0) {
        throw new IllegalStateException("netlink socket is closed");
      }
      int mySeq = ++seq;
      ByteBuffer msg = request.finish(mySeq);
      int len = msg.remaining();
      ByteBuffer send = len <= SEND_BUFFER_SIZE ? SEND.get()
          : ByteBuffer.allocateDirect(len).order(ByteOrder.nativeOrder());
      // NLM_F_ACK makes the kernel confirm every change, so success is certain, not assumed.
      msg.putShort(6, (short) (request.flags() | NetlinkH.NLM_F_REQUEST | (mode == Mode.EXECUTE ? NetlinkH.NLM_F_ACK : 0)));
      send.clear();
      send.put(msg).flip(); // jnr passes a direct buffer from its position
      LibC.sendto(fd, send, len, KERNEL);
      return receive(mySeq, operation, mode == Mode.DUMP);
    }
  }

  private List<NetlinkMessage> receive(int mySeq, String operation, boolean isDump) {
    List<NetlinkMessage> answers = new ArrayList<>();
    boolean interrupted = false;
    while (true) {
      ByteBuffer recv = RECEIVE.get();
      recv.clear();
      int n = LibC.recvfrom(fd, recv, MSG_TRUNC);
      if (n > recv.capacity()) {
        throw CnmException.unavailable(operation + ": a netlink answer of " + n + " bytes did not fit the "
            + recv.capacity() + "-byte buffer", null);
      }
      // copy: the direct buffer is reused for the next datagram
      ByteBuffer datagram = ByteBuffer.allocate(n).order(ByteOrder.nativeOrder());
      datagram.put(recv.duplicate().position(0).limit(n)).flip();
      for (NetlinkMessage m : NetlinkMessage.split(datagram)) {
        NlMsgHdr h = m.header();
        if (h.seq() != mySeq) {
          continue;
        }
        if ((h.flags() & NetlinkH.NLM_F_DUMP_INTR) != 0) {
          interrupted = true;
        }
        if (h.type() == NetlinkH.NLMSG_ERROR) {
          NlMsgErr err = NlMsgErr.decode(h, m.body());
          if (err.errno() != 0) {
            throw SystemCallException.of(operation, err.errno(), err.message());
          }
          return answers;
        }
        if (h.type() == NetlinkH.NLMSG_DONE) {
          if (interrupted) {
            throw new DumpInterrupted();
          }
          return answers;
        }
        if (h.type() == NetlinkH.NLMSG_NOOP) {
          continue;
        }
        answers.add(m);
        if (!isDump && (h.flags() & NetlinkH.NLM_F_MULTI) == 0) {
          // a get: the answer itself ends the exchange (no ACK follows a reply)
          return answers;
        }
      }
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (fd >= 0) {
        LibC.close(fd);
        fd = -1;
      }
    }
  }

  private enum Mode {
    /** a change, confirmed by an ACK */
    EXECUTE,
    /** one answer message (errors still come as NLMSG_ERROR) */
    GET,
    /** NLM_F_MULTI answers up to NLMSG_DONE */
    DUMP
  }

  /** The kernel set NLM_F_DUMP_INTR: the table changed mid-dump, so the dump is redone. */
  private static final class DumpInterrupted extends RuntimeException {
    DumpInterrupted() {
      super(null, null, false, false);
    }
  }
}
