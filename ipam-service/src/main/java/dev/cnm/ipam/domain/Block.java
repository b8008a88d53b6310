package dev.cnm.ipam.domain;

import java.util.Arrays;

/**
 * One fixed-size block of an ordinal space: {@value #SIZE} allocation bits, the owner of every
 * allocated ordinal and a serial cursor. A pool's bitmap is split into such blocks so that
 * each is one store key and concurrent allocators mostly write different keys; a block that
 * was never written does not exist, so a /64 costs what is allocated.
 *
 * <p>Not thread-safe: a block belongs to one {@link OrdinalMap}, guarded by its owner.
 */
public final class Block {
  /** Ordinals per block. 256 = four 64-bit words; a full block with 64-character owners
   *  encodes to ~17 KB. */
  public static final int SIZE = 256;
  public static final int SHIFT = 8;
  public static final int MASK = SIZE - 1;

  private final long index;
  private final long[] words = new long[SIZE / 64];
  private final String[] owners = new String[SIZE];
  /** Non-endpoint kinds only (gateway, aux), allocated when first needed. */
  private byte[] kinds;
  /** MAC addresses given with allocations (RequestAddress mac_address), allocated when first needed. */
  private String[] macs;
  private int count;
  /** Serial allocation continues at this offset (0..SIZE). */
  private int cursor;
  /** The store's mod revision of this block's key; 0 while it does not exist there. */
  private long revision;

  public Block(long index) {
    this.index = index;
  }

  public long index() {
    return index;
  }

  public int count() {
    return count;
  }

  public int cursor() {
    return cursor;
  }

  public void cursor(int cursor) {
    this.cursor = cursor;
  }

  public long revision() {
    return revision;
  }

  public void revision(long revision) {
    this.revision = revision;
  }

  public boolean isSet(int offset) {
    return (words[offset >>> 6] & (1L << offset)) != 0;
  }

  public String owner(int offset) {
    return owners[offset];
  }

  public AllocationKind kind(int offset) {
    return kinds == null ? AllocationKind.ENDPOINT : AllocationKind.values()[kinds[offset]];
  }

  /** The MAC address recorded with the allocation at {@code offset}, or null. */
  public String mac(int offset) {
    return macs == null ? null : macs[offset];
  }

  /** Marks {@code offset} allocated to {@code owner}; the caller checked it was free. */
  public void set(int offset, String owner, AllocationKind kind) {
    set(offset, owner, kind, null);
  }

  /** As {@link #set(int, String, AllocationKind)}, recording {@code mac} (null or empty: none). */
  public void set(int offset, String owner, AllocationKind kind, String mac) {
    if (mac != null && !mac.isEmpty()) {
      if (macs == null) {
        macs = new String[SIZE];
      }
      macs[offset] = mac;
    }
    words[offset >>> 6] |= 1L << offset;
    owners[offset] = owner;
    if (kind != AllocationKind.ENDPOINT || kinds != null) {
      if (kinds == null) {
        kinds = new byte[SIZE];
      }
      kinds[offset] = (byte) kind.ordinal();
    }
    count++;
  }

  /** Frees {@code offset}; the caller checked it was allocated. Returns its owner. */
  public String clear(int offset) {
    words[offset >>> 6] &= ~(1L << offset);
    String owner = owners[offset];
    owners[offset] = null;
    if (kinds != null) {
      kinds[offset] = 0;
    }
    if (macs != null) {
      macs[offset] = null;
    }
    count--;
    return owner;
  }

  /**
   * The lowest free offset in [from, to], or -1. Runs word by word: a full word costs one
   * comparison, which is what makes the in-process allocator fast.
   */
  public int findFree(int from, int to) {
    if (from > to) {
      return -1;
    }
    int w = from >>> 6;
    long free = ~words[w] & (-1L << from);
    int lastWord = to >>> 6;
    while (true) {
      if (free != 0) {
        int offset = (w << 6) + Long.numberOfTrailingZeros(free);
        return offset <= to ? offset : -1;
      }
      if (++w > lastWord) {
        return -1;
      }
      free = ~words[w];
    }
  }

  /** The number of allocated offsets in [from, to]. */
  public int countRange(int from, int to) {
    if (from == 0 && to == MASK) {
      return count;
    }
    int n = 0;
    for (int o = from; o <= to; o++) {
      if (isSet(o)) {
        n++;
      }
    }
    return n;
  }

  /** A deep copy (used to roll back a batch whose store transaction lost a race). */
  public Block copy() {
    Block c = new Block(index);
    c.copyFrom(this);
    return c;
  }

  /** Replaces this block's content with {@code other}'s. */
  public void copyFrom(Block other) {
    System.arraycopy(other.words, 0, words, 0, words.length);
    System.arraycopy(other.owners, 0, owners, 0, SIZE);
    kinds = other.kinds == null ? null : other.kinds.clone();
    macs = other.macs == null ? null : other.macs.clone();
    count = other.count;
    cursor = other.cursor;
    revision = other.revision;
  }

  /** Empties the block (its key does not exist in the store). */
  public void reset() {
    Arrays.fill(words, 0);
    Arrays.fill(owners, null);
    kinds = null;
    macs = null;
    count = 0;
    cursor = 0;
    revision = 0;
  }
}
