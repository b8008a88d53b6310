package dev.cnm.agent.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/** Waits for a listener's bind, and closes the half-made channel when the bind fails (no fd leak). */
final class ListenerBinding {
  private ListenerBinding() {}

  static Channel await(ChannelFuture bind) {
    bind.awaitUninterruptibly();
    if (!bind.isSuccess()) {
      bind.channel().close().awaitUninterruptibly();
      Throwable cause = bind.cause();
      throw new IllegalStateException(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
    }
    return bind.channel();
  }
}
