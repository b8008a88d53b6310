package dev.cnm.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Sends the queries the resolver does not own to the upstreams, in order: UDP first, the same
 * upstream again over TCP when its UDP answer is truncated, the next upstream when one fails
 * (timeout, refused connection, SERVFAIL or REFUSED). Every exchange has its own socket with a
 * kernel-chosen port and a fresh random ID, and an answer counts only if it comes from the
 * upstream asked, with that ID and the same question (spoofed or stale packets are ignored).
 *
 * <p>Sockets are made on an event loop thread, so they live in the agent's own network
 * namespace: a loopback upstream such as 127.0.0.53 is the host's. At most {@code maxInFlight}
 * queries are out at once; past that a query fails at once, so a flood of names that need an
 * upstream cannot pile up sockets nor delay the names the resolver answers itself.
 */
final class Forwarder {
  private static final SecureRandom IDS = new SecureRandom();
  private static final int MAX_MESSAGE = 65535;
  private static final int RCODE_SERVFAIL = 2;
  private static final int RCODE_REFUSED = 5;

  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  Forwarder(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  /**
   * Forwards {@code query} (its bytes; the forwarder takes ownership) on {@code loop}, and calls
   * {@code done} on that loop exactly once: with the upstream's answer carrying the client's ID
   * (the callee owns it), or with null when every upstream failed or too many queries are out.
   */
  void forward(EventLoop loop, Upstreams upstreams, ByteBuf query, Consumer<ByteBuf> done) {
    if (upstreams.isEmpty() || inFlight.incrementAndGet() > maxInFlight) {
      if (!upstreams.isEmpty()) {
        inFlight.decrementAndGet();
      }
      query.release();
      done.accept(null);
      return;
    }
    int clientId = DnsHeader.id(query);
    new Attempts(loop, upstreams, query, answer -> {
      inFlight.decrementAndGet();
      query.release();
      if (answer != null) {
        DnsHeader.setId(answer, clientId);
      }
      done.accept(answer);
    }).next();
  }

  /** Queries out now (for tests and metrics). */
  int inFlight() {
    return inFlight.get();
  }

  /** The walk through the upstreams for one query; runs on its event loop only. */
  private static final class Attempts {
    private final EventLoop loop;
    private final Upstreams upstreams;
    private final ByteBuf query;
    private final int questionEnd;
    private final Consumer<ByteBuf> done;
    private int index = -1;

    Attempts(EventLoop loop, Upstreams upstreams, ByteBuf query, Consumer<ByteBuf> done) {
      this.loop = loop;
      this.upstreams = upstreams;
      this.query = query;
      this.questionEnd = DnsHeader.questionEnd(query);
      this.done = done;
    }

    void next() {
      index++;
      if (index >= upstreams.servers().size()) {
        done.accept(null);
        return;
      }
      InetSocketAddress upstream = upstreams.servers().get(index);
      new Exchange(this, upstream, false).start();
    }

    /** An exchange ended: a usable answer ends the walk, anything else moves on. */
    void ended(Exchange exchange, ByteBuf answer) {
      if (answer == null) {
        next();
        return;
      }
      if (!exchange.tcp && DnsHeader.truncated(answer)) {
        answer.release();
        new Exchange(this, exchange.upstream, true).start();
        return;
      }
      int rcode = answer.getUnsignedByte(answer.readerIndex() + 3) & 0x0f;
      if (rcode == RCODE_SERVFAIL || rcode == RCODE_REFUSED) {
        answer.release();
        next();
        return;
      }
      done.accept(answer);
    }
  }

  /** One query to one upstream over one transport, with its own socket and timer. */
  private static final class Exchange extends SimpleChannelInboundHandler<Object> {
    final Attempts attempts;
    final InetSocketAddress upstream;
    final boolean tcp;
    private final int id = IDS.nextInt(0x10000);
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean finished;

    Exchange(Attempts attempts, InetSocketAddress upstream, boolean tcp) {
      this.attempts = attempts;
      this.upstream = upstream;
      this.tcp = tcp;
    }

    void start() {
      long timeoutMillis = attempts.upstreams.timeout().toMillis();
      timer = attempts.loop.schedule(() -> finish(null), timeoutMillis, TimeUnit.MILLISECONDS);
      InternetProtocolFamily family = upstream.getAddress() instanceof Inet4Address
          ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
      Exchange self = this;
      Bootstrap b = new Bootstrap().group(attempts.loop);
      if (tcp) {
        b.channelFactory(() -> new NioSocketChannel(java.nio.channels.spi.SelectorProvider.provider(), family))
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
            .handler(new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_MESSAGE, 0, 2, 0, 2), self);
              }
            });
      } else {
        b.channelFactory(() -> new NioDatagramChannel(family))
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_MESSAGE))
            .handler(self);
      }
      ChannelFuture connect = b.connect(upstream);
      channel = connect.channel();
      connect.addListener(f -> {
        if (!f.isSuccess()) {
          finish(null);
          return;
        }
        ByteBuf out = attempts.query.copy();
        DnsHeader.setId(out, id);
        if (tcp) {
          ByteBuf length = Unpooled.buffer(2).writeShort(out.readableBytes());
          out = Unpooled.wrappedBuffer(length, out);
        }
        channel.writeAndFlush(out).addListener(w -> {
          if (!w.isSuccess()) {
            finish(null);
          }
        });
      });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      ByteBuf answer = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
      if (msg instanceof DatagramPacket p && !upstream.equals(p.sender())) {
        return;
      }
      if (finished || !DnsHeader.complete(answer) || !DnsHeader.isResponse(answer) || DnsHeader.id(answer) != id
          || !DnsHeader.sameQuestion(attempts.query, answer, attempts.questionEnd)) {
        return; // not the answer to this exchange: keep waiting until the timer
      }
      finish(answer.retain());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(null); // ICMP port unreachable on UDP, a reset on TCP: this upstream is out
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(null); // a TCP upstream that closed without answering
    }

    private void finish(ByteBuf answer) {
      if (finished) {
        if (answer != null) {
          answer.release();
        }
        return;
      }
      finished = true;
      timer.cancel(false);
      if (channel != null) {
        channel.close();
      }
      attempts.ended(this, answer);
    }
  }
}
