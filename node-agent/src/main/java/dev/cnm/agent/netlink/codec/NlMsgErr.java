package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The payload of an NLMSG_ERROR message (error 0 is an ACK).
 * <pre>
 * struct nlmsgerr {
 *   int             error;  // negative errno or 0 for acknowledgements
 *   struct nlmsghdr msg;    // message header that caused the error
 *   // the request payload follows unless NLM_F_CAPPED; then, with NLM_F_ACK_TLVS,
 *   // NLMSGERR_ATTR_* attributes (the extended ack)
 * };
 * </pre>
 *
 * @param errno the positive errno (0 for an ACK)
 * @param request the header of the request that failed
 * @param message the kernel's extended-ack text, or empty
 */
public record NlMsgErr(int errno, NlMsgHdr request, String message) {
  /** Decodes from the body of an NLMSG_ERROR (after the outer header). */
  public static NlMsgErr decode(NlMsgHdr outer, ByteBuffer body) {
    ByteBuffer b = body.duplicate().order(body.order());
    int error = b.getInt();
    NlMsgHdr request = NlMsgHdr.decode(b);
    String text = "";
    if ((outer.flags() & NetlinkH.NLM_F_ACK_TLVS) != 0) {
      if ((outer.flags() & NetlinkH.NLM_F_CAPPED) == 0) {
        int skip = NetlinkH.align(request.length()) - NlMsgHdr.SIZE;
        b.position(Math.min(b.limit(), b.position() + skip));
      }
      Attributes ext = Attributes.parse(b.slice().order(b.order()));
      text = ext.string(NetlinkH.NLMSGERR_ATTR_MSG).orElse("");
    }
    return new NlMsgErr(-error, request, text);
  }
}
