package dev.cnm.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.ipam.store.BlockCodec;
import dev.cnm.runtime.net.Cidr;
import org.junit.jupiter.api.Test;

class OrdinalMapTest {
  @Test
  void allocateNext_acrossBlocks_lowestFirstAndReservedSkipped() {
    OrdinalMap map = new OrdinalMap(1023, true, true);
    for (long i = 1; i < 1023; i++) {
      assertThat(map.allocateNext(0, 1023, false, false, "o", AllocationKind.ENDPOINT)).isEqualTo(i);
    }
    assertThat(map.allocateNext(0, 1023, false, false, "o", AllocationKind.ENDPOINT)).isEqualTo(OrdinalMap.NONE);
    assertThat(map.release(300)).isEqualTo("o");
    assertThat(map.allocateNext(0, 1023, false, false, "p", AllocationKind.ENDPOINT)).isEqualTo(300);
  }

  @Test
  void allocateNext_subRange_staysInside() {
    OrdinalMap map = new OrdinalMap(65535, true, true);
    assertThat(map.allocateNext(512, 767, false, false, "o", AllocationKind.ENDPOINT)).isEqualTo(512);
    assertThat(map.countRange(0, 65535)).isEqualTo(1);
  }

  @Test
  void blockCodec_roundTrip_keepsBitsOwnersKindsCursor() {
    Block b = new Block(3);
    b.set(0, "a", AllocationKind.GATEWAY);
    b.set(1, "b", AllocationKind.ENDPOINT);
    b.set(200, "a", AllocationKind.AUX);
    b.set(255, "c", AllocationKind.ENDPOINT);
    b.cursor(201);
    Block d = new Block(3);
    BlockCodec.decode(BlockCodec.encode(b), d);
    assertThat(d.count()).isEqualTo(4);
    assertThat(d.owner(200)).isEqualTo("a");
    assertThat(d.kind(0)).isEqualTo(AllocationKind.GATEWAY);
    assertThat(d.kind(200)).isEqualTo(AllocationKind.AUX);
    assertThat(d.owner(255)).isEqualTo("c");
    assertThat(d.isSet(2)).isFalse();
    assertThat(d.cursor()).isEqualTo(201);
    assertThat(BlockCodec.encode(new Block(0)).length).isLessThan(4);
  }

  @Test
  void cidr_parsesNormalisesAndNumbers() {
    Cidr c = Cidr.parseNetwork("pool", "10.1.2.3/16");
    assertThat(c).hasToString("10.1.0.0/16");
    assertThat(c.lastOrdinal()).isEqualTo(65535);
    assertThat(c.addressAt(258)).isEqualTo("10.1.1.2");
    assertThat(Cidr.parseNetwork("pool", "fd00::/48").overlaps(Cidr.parseNetwork("pool", "fd00:0:0:5::/64"))).isTrue();
    assertThat(Cidr.parseNetwork("pool", "10.0.0.0/24").next()).hasToString("10.0.1.0/24");
    assertThat(Cidr.parseNetwork("pool", "fd00::/64").addressAt(1)).isEqualTo("fd00::1");
  }
}
