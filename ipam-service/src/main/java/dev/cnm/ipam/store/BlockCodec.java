package dev.cnm.ipam.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.Block;
import dev.cnm.ipam.store.pb.BlockValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.HashMap;
import java.util.Map;

/**
 * Encodes a {@link Block} as a {@link BlockValue}: the bitmap as alternating run lengths (free
 * first), owners deduplicated into a table and referenced in ordinal order, and the rare
 * non-endpoint kinds and the MAC addresses given with allocations as sparse lists. A full block of 64-character owners is ~17 KB, an empty
 * or fully allocated bitmap a couple of bytes.
 */
public final class BlockCodec {
  private BlockCodec() {
  }

  public static byte[] encode(Block block) {
    BlockValue.Builder v = BlockValue.newBuilder().setCursor(block.cursor());
    Map<String, Integer> ownerIndex = new HashMap<>();
    boolean allocated = false;
    int run = 0;
    for (int o = 0; o < Block.SIZE; o++) {
      boolean set = block.isSet(o);
      if (set != allocated) {
        v.addRuns(run);
        run = 0;
        allocated = set;
      }
      run++;
      if (set) {
        String owner = block.owner(o);
        Integer ref = ownerIndex.get(owner);
        if (ref == null) {
          ref = ownerIndex.size();
          ownerIndex.put(owner, ref);
          v.addOwners(owner);
        }
        v.addOwnerRefs(ref);
        AllocationKind kind = block.kind(o);
        if (kind != AllocationKind.ENDPOINT) {
          v.addKindOffsets(o).addKinds(kind.ordinal());
        }
        String mac = block.mac(o);
        if (mac != null) {
          v.addMacOffsets(o).addMacs(mac);
        }
      }
    }
    if (allocated) {
      v.addRuns(run);
    }
    return v.build().toByteArray();
  }

  /** Replaces {@code into}'s content with the decoded value (revision is set by the caller). */
  public static void decode(byte[] bytes, Block into) {
    BlockValue v;
    try {
      v = BlockValue.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.IPAM_CORRUPT_BLOCK, "undecodable ipam block: " + e.getMessage(),
          Map.of(), e);
    }
    into.reset();
    Map<Integer, AllocationKind> kinds = new HashMap<>();
    for (int i = 0; i < v.getKindOffsetsCount(); i++) {
      kinds.put(v.getKindOffsets(i), AllocationKind.values()[v.getKinds(i)]);
    }
    Map<Integer, String> macs = new HashMap<>();
    for (int i = 0; i < v.getMacOffsetsCount(); i++) {
      macs.put(v.getMacOffsets(i), v.getMacs(i));
    }
    int offset = 0;
    int ref = 0;
    boolean allocated = false;
    for (int run : v.getRunsList()) {
      if (allocated) {
        for (int o = offset; o < offset + run; o++) {
          into.set(o, v.getOwners(v.getOwnerRefs(ref++)), kinds.getOrDefault(o, AllocationKind.ENDPOINT),
              macs.get(o));
        }
      }
      offset += run;
      allocated = !allocated;
    }
    into.cursor(v.getCursor());
  }
}
