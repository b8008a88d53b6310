package dev.cnm.agent.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec without a kernel: reference bytes and round trips (little-endian machine assumed, as x86-64/arm64). */
class MessageCodecTest {

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void linkAddBridge_encodes_exactlyAsIproute2LaysItOut() {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL)
        .ifInfoMsg(IfInfoMsg.ofIndex(0))
        .attrString(IfLinkH.IFLA_IFNAME, "cnmt0");
    int info = w.beginNested(IfLinkH.IFLA_LINKINFO);
    w.attrString(IfLinkH.IFLA_INFO_KIND, "bridge");
    w.endNested(w.beginNested(IfLinkH.IFLA_INFO_DATA));
    w.endNested(info);

    String expected = "40000000" + "1000" + "0006" + "01000000" + "00000000" // nlmsghdr
        + "00000000" + "00000000" + "00000000" + "00000000"                  // ifinfomsg
        + "0a000300" + "636e6d7430000000"                                    // IFLA_IFNAME "cnmt0\0" + pad
        + "14001200" + "0b000100" + "6272696467650000" + "04000200";          // LINKINFO{KIND "bridge", DATA{}}
    assertThat(HexFormat.of().formatHex(bytes(w.finish(1)))).isEqualTo(expected);
  }

  @Test
  void structs_roundTrip() {
    ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
    NlMsgHdr h = new NlMsgHdr(64, 16, 0x605, 77, 1234);
    IfInfoMsg i = new IfInfoMsg(0, 1, 42, 0x11043, 1);
    IfAddrMsg a = new IfAddrMsg(10, 64, 2, 0, 7);
    RtMsg r = new RtMsg(2, 24, 0, 0, 254, 4, 0, 1, 0);
    NdMsg n = new NdMsg(7, 9, 0x80, 2, 0);
    h.encode(b);
    i.encode(b);
    a.encode(b);
    r.encode(b);
    n.encode(b);
    assertThat(b.position()).isEqualTo(NlMsgHdr.SIZE + IfInfoMsg.SIZE + IfAddrMsg.SIZE + RtMsg.SIZE + NdMsg.SIZE);
    b.flip();

    assertThat(NlMsgHdr.decode(b)).isEqualTo(h);
    assertThat(IfInfoMsg.decode(b)).isEqualTo(i);
    assertThat(IfAddrMsg.decode(b)).isEqualTo(a);
    assertThat(RtMsg.decode(b)).isEqualTo(r);
    assertThat(NdMsg.decode(b)).isEqualTo(n);
  }

  @Test
  void nestedAttributes_vethPeer_parseBackThroughThreeLevels() {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_NEWLINK, 0).ifInfoMsg(IfInfoMsg.ofIndex(0))
        .attrString(IfLinkH.IFLA_IFNAME, "cnmtv0").attrU32(IfLinkH.IFLA_MTU, 1450);
    int info = w.beginNested(IfLinkH.IFLA_LINKINFO);
    w.attrString(IfLinkH.IFLA_INFO_KIND, "veth");
    int data = w.beginNested(IfLinkH.IFLA_INFO_DATA);
    int peer = w.beginNested(IfLinkH.VETH_INFO_PEER);
    w.ifInfoMsg(IfInfoMsg.ofIndex(0)).attrString(IfLinkH.IFLA_IFNAME, "eth0").attrU32(IfLinkH.IFLA_NET_NS_FD, 9);
    w.endNested(peer).endNested(data).endNested(info);
    ByteBuffer msg = w.finish(5);

    List<NetlinkMessage> split = NetlinkMessage.split(msg);
    assertThat(split).hasSize(1);
    NetlinkMessage m = split.get(0);
    assertThat(m.header().seq()).isEqualTo(5);
    assertThat(m.header().length()).isEqualTo(msg.remaining());
    Attributes top = m.attributesAfter(IfInfoMsg.SIZE);
    assertThat(top.string(IfLinkH.IFLA_IFNAME)).contains("cnmtv0");
    assertThat(top.u32(IfLinkH.IFLA_MTU)).hasValue(1450);
    Attributes linkInfo = top.nested(IfLinkH.IFLA_LINKINFO);
    assertThat(linkInfo.string(IfLinkH.IFLA_INFO_KIND)).contains("veth");
    ByteBuffer peerPayload = linkInfo.nested(IfLinkH.IFLA_INFO_DATA).payload(IfLinkH.VETH_INFO_PEER).orElseThrow();
    peerPayload.position(IfInfoMsg.SIZE);
    Attributes peerAttrs = Attributes.parse(peerPayload);
    assertThat(peerAttrs.string(IfLinkH.IFLA_IFNAME)).contains("eth0");
    assertThat(peerAttrs.u32(IfLinkH.IFLA_NET_NS_FD)).hasValue(9);
  }

  @Test
  void smallAttributes_arePaddedAndReadBack() {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_NEWLINK, 0).ifInfoMsg(IfInfoMsg.ofIndex(0))
        .attrU16be(IfLinkH.IFLA_VXLAN_PORT, 4789).attrU8(IfLinkH.IFLA_VXLAN_LEARNING, 0).attrU16(30, 0xbeef);
    ByteBuffer msg = w.finish(1);
    assertThat(msg.remaining() % 4).isZero();
    Attributes a = NetlinkMessage.split(msg).get(0).attributesAfter(IfInfoMsg.SIZE);
    assertThat(a.u16be(IfLinkH.IFLA_VXLAN_PORT)).hasValue(4789);
    assertThat(a.bytes(IfLinkH.IFLA_VXLAN_PORT).orElseThrow()).containsExactly(0x12, 0xb5);
    assertThat(a.u8(IfLinkH.IFLA_VXLAN_LEARNING)).hasValue(0);
    assertThat(a.u16(30)).hasValue(0xbeef);
    assertThat(a.types()).containsExactly(IfLinkH.IFLA_VXLAN_PORT, IfLinkH.IFLA_VXLAN_LEARNING, 30);
  }

  @Test
  void errorMessage_withExtendedAck_decodesErrnoAndText() {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
    byte[] text = "File exists\0".getBytes(StandardCharsets.US_ASCII);
    int len = NlMsgHdr.SIZE + 4 + NlMsgHdr.SIZE + 4 + text.length;
    new NlMsgHdr(len, NetlinkH.NLMSG_ERROR, NetlinkH.NLM_F_CAPPED | NetlinkH.NLM_F_ACK_TLVS, 9, 0).encode(b);
    b.putInt(-17);
    new NlMsgHdr(48, RtnetlinkH.RTM_NEWLINK, 0x605, 9, 0).encode(b);
    b.putShort((short) (4 + text.length)).putShort((short) NetlinkH.NLMSGERR_ATTR_MSG).put(text);
    b.flip();

    NetlinkMessage m = NetlinkMessage.split(b).get(0);
    NlMsgErr err = NlMsgErr.decode(m.header(), m.body());

    assertThat(err.errno()).isEqualTo(17);
    assertThat(err.request().type()).isEqualTo(RtnetlinkH.RTM_NEWLINK);
    assertThat(err.message()).isEqualTo("File exists");
  }

  @Test
  void split_twoMessagesInOneDatagram_honoursAlignment() {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
    new NlMsgHdr(NlMsgHdr.SIZE + 5, RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_MULTI, 3, 0).encode(b);
    b.put(new byte[] {1, 2, 3, 4, 5, 0, 0, 0});
    new NlMsgHdr(NlMsgHdr.SIZE + 4, NetlinkH.NLMSG_DONE, NetlinkH.NLM_F_MULTI, 3, 0).encode(b);
    b.putInt(0);
    b.flip();

    List<NetlinkMessage> all = NetlinkMessage.split(b);

    assertThat(all).extracting(x -> x.header().type()).containsExactly(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLMSG_DONE);
    assertThat(all.get(0).body().remaining()).isEqualTo(5);
  }

  @Test
  void attributes_truncatedTail_isIgnoredNotOverread() {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    b.putShort((short) 8).putShort((short) 4).putInt(1500);
    b.putShort((short) 40).putShort((short) 3); // claims 40 bytes, only 4 present
    b.flip();

    Attributes a = Attributes.parse(b);

    assertThat(a.u32(4)).hasValue(1500);
    assertThat(a.has(3)).isFalse();
  }
}
