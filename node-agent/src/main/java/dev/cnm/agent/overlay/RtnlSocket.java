package dev.cnm.agent.overlay;

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
 * A small NETLINK_ROUTE socket of the overlay's own, for the two requests the shared
 * {@link dev.cnm.agent.netlink.NetlinkHandle} does not offer: creating a VXLAN device with ARP/ND
 * proxying on, and dumping VXLAN devices with their IFLA_INFO_DATA (VNI, local, port). It uses the
 * shared codec classes; like every netlink socket it stays in the namespace it was opened in.
 */
final class RtnlSocket implements AutoCloseable {
  private static final int BUFFER_SIZE = 1 << 16;
  /** struct sockaddr_nl { sa_family_t nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; } of the kernel (pid 0). */
  private static final byte[] KERNEL = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
      .putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).array();

  private final Object lock = new Object();
  // guarded by lock: fd, seq and both buffers
  private int fd;
  private int seq = (int) (System.nanoTime() & 0x3fffffff);
  private final ByteBuffer send = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.nativeOrder());
  private final ByteBuffer recv = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.nativeOrder());

  private RtnlSocket(int fd) {
    this.fd = fd;
  }

  /** Opens a socket in the calling thread's network namespace. */
  static RtnlSocket open() {
    int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NetlinkH.NETLINK_ROUTE);
    try {
      LibC.bind(fd, KERNEL);
      LibC.setsockoptInt(fd, LibC.SOL_NETLINK, NetlinkH.NETLINK_EXT_ACK, 1);
      LibC.setsockoptInt(fd, LibC.SOL_NETLINK, NetlinkH.NETLINK_CAP_ACK, 1);
      LibC.setReceiveTimeout(fd, 10_000);
      return new RtnlSocket(fd);
    } catch (RuntimeException e) {
      LibC.close(fd);
      throw e;
    }
  }

  /** Sends a change with NLM_F_ACK and waits for the ACK; a kernel error becomes a SystemCallException. */
  void execute(MessageWriter request, String operation) {
    exchange(request, operation, NetlinkH.NLM_F_ACK, false);
  }

  /** Sends a dump request and returns every answer up to NLMSG_DONE (redone if the kernel says it was interrupted). */
  List<NetlinkMessage> dump(MessageWriter request, String operation) {
    for (int attempt = 0; ; attempt++) {
      List<NetlinkMessage> out = exchange(request, operation, 0, true);
      if (out != null) {
        return out;
      }
      if (attempt == 4) {
        throw CnmException.unavailable(operation + ": the dump kept changing (NLM_F_DUMP_INTR)", null);
      }
    }
  }

  /** Returns null when a dump was interrupted. */
  private List<NetlinkMessage> exchange(MessageWriter request, String operation, int extraFlags, boolean isDump) {
    synchronized (lock) {
      if (fd < 0) {
        throw new IllegalStateException("overlay netlink socket is closed");
      }
      int mySeq = ++seq;
      ByteBuffer msg = request.finish(mySeq);
      int len = msg.remaining();
      msg.putShort(6, (short) (request.flags() | NetlinkH.NLM_F_REQUEST | extraFlags));
      send.clear();
      send.put(msg).flip();
      LibC.sendto(fd, send, len, KERNEL);
      List<NetlinkMessage> answers = new ArrayList<>();
      boolean interrupted = false;
      while (true) {
        recv.clear();
        int n = LibC.recvfrom(fd, recv, 0);
        ByteBuffer datagram = ByteBuffer.allocate(n).order(ByteOrder.nativeOrder());
        datagram.put(recv.duplicate().position(0).limit(n)).flip();
        for (NetlinkMessage m : NetlinkMessage.split(datagram)) {
          NlMsgHdr h = m.header();
          if (h.seq() != mySeq) {
            continue; // a late answer to an earlier request
          }
          interrupted |= (h.flags() & NetlinkH.NLM_F_DUMP_INTR) != 0;
          if (h.type() == NetlinkH.NLMSG_ERROR) {
            NlMsgErr err = NlMsgErr.decode(h, m.body());
            if (err.errno() != 0) {
              throw SystemCallException.of(operation, err.errno(), err.message());
            }
            return answers;
          }
          if (h.type() == NetlinkH.NLMSG_DONE) {
            return interrupted ? null : answers;
          }
          if (h.type() != NetlinkH.NLMSG_NOOP) {
            answers.add(m);
          }
        }
        if (!isDump && !answers.isEmpty()) {
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
}
