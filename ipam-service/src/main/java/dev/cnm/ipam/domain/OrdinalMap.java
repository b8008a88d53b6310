package dev.cnm.ipam.domain;

import dev.cnm.runtime.net.Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allocator: a sparse bitmap over ordinals 0..last (unsigned), split into {@link Block}s
 * that exist only once something in them was allocated. It knows nothing of addresses or the
 * store; pools and id sets map their values to ordinals, and the persistence layer watches
 * which blocks change ({@link BlockListener}) to write exactly those.
 *
 * <p>Next-free search starts at the "home" block and walks the blocks in order, wrapping at
 * the end of the range. A single allocator keeps home at the lowest block that may have room,
 * so it hands out the lowest free ordinal (libnetwork's default). Replicas that lost a race on
 * a block move their home elsewhere ({@link #home(long)}) so they stop contending.
 *
 * <p>Serial search (libnetwork's serial option) goes in two passes: first every block from its
 * cursor (one past its last serial allocation) to its end, then, wrapping around, the rest.
 * An ordinal just released therefore is not handed out again before the range wraps.
 *
 * <p>Blocks can be marked busy ({@link #busy(Set)}): a pipelined writer's blocks whose last
 * change is still being written. Next-free searches skip them, and a serial search that
 * skipped one does not wrap (the answer would otherwise depend on a write in flight).
 *
 * <p>Not thread-safe: one owner thread or lock at a time.
 */
public final class OrdinalMap {
  /** No ordinal (never a valid one: see {@link Cidr#lastOrdinal()}). */
  public static final long NONE = -1L;

  /** Told before a block changes, so a caller can snapshot it for rollback and persist it. */
  public interface BlockListener {
    void beforeChange(Block block);
  }

  private static final BlockListener NO_LISTENER = b -> { };

  private final long last;
  private final boolean reserveFirst;
  private final boolean reserveLast;
  private final Map<Long, Block> blocks = new HashMap<>();
  private long home;
  private BlockListener listener = NO_LISTENER;
  private Set<Long> busy = Set.of();
  private boolean skippedBusy;

  /**
   * @param last the last ordinal (unsigned)
   * @param reserveFirst never hand out ordinal 0 (a network address)
   * @param reserveLast never hand out {@code last} (an IPv4 broadcast address)
   */
  public OrdinalMap(long last, boolean reserveFirst, boolean reserveLast) {
    this.last = last;
    this.reserveFirst = reserveFirst;
    this.reserveLast = reserveLast;
  }

  public void listener(BlockListener listener) {
    this.listener = listener == null ? NO_LISTENER : listener;
  }

  public long last() {
    return last;
  }

  /** Uses {@code blockIndexes} (a live view, owned by the caller) as the set of busy blocks. */
  public void busy(Set<Long> blockIndexes) {
    this.busy = blockIndexes;
  }

  /** True if the ordinal's block is busy: it must not change now. */
  public boolean busy(long ordinal) {
    return !busy.isEmpty() && busy.contains(ordinal >>> Block.SHIFT);
  }

  public boolean anyBusy() {
    return !busy.isEmpty();
  }

  /** True if the last {@link #allocateNext} skipped a busy block (so NONE may not mean full). */
  public boolean skippedBusy() {
    return skippedBusy;
  }

  /** True if the ordinal can never be handed out (network or broadcast address). */
  public boolean reserved(long ordinal) {
    return (reserveFirst && ordinal == 0) || (reserveLast && ordinal == last);
  }

  public long home() {
    return home;
  }

  /** Moves the block where next-free searches start (e.g. after losing a race on the old one). */
  public void home(long blockIndex) {
    this.home = blockIndex;
  }

  public boolean isSet(long ordinal) {
    Block b = blocks.get(ordinal >>> Block.SHIFT);
    return b != null && b.isSet((int) (ordinal & Block.MASK));
  }

  /** The owner of an allocated ordinal, or null. */
  public String ownerOf(long ordinal) {
    Block b = blocks.get(ordinal >>> Block.SHIFT);
    return b == null ? null : b.owner((int) (ordinal & Block.MASK));
  }

  public AllocationKind kindOf(long ordinal) {
    Block b = blocks.get(ordinal >>> Block.SHIFT);
    return b == null ? AllocationKind.ENDPOINT : b.kind((int) (ordinal & Block.MASK));
  }

  /** The MAC address recorded with an allocated ordinal, or null. */
  public String macOf(long ordinal) {
    Block b = blocks.get(ordinal >>> Block.SHIFT);
    return b == null ? null : b.mac((int) (ordinal & Block.MASK));
  }

  /** Allocates one given ordinal; false if it is already allocated. */
  public boolean allocate(long ordinal, String owner, AllocationKind kind) {
    return allocate(ordinal, owner, kind, null);
  }

  /** As {@link #allocate(long, String, AllocationKind)}, recording {@code mac} with it. */
  public boolean allocate(long ordinal, String owner, AllocationKind kind, String mac) {
    Block b = block(ordinal >>> Block.SHIFT);
    int offset = (int) (ordinal & Block.MASK);
    if (b.isSet(offset)) {
      return false;
    }
    listener.beforeChange(b);
    b.set(offset, owner, kind, mac);
    return true;
  }

  /** Frees an ordinal; returns its owner, or null if it was not allocated. */
  public String release(long ordinal) {
    long index = ordinal >>> Block.SHIFT;
    Block b = blocks.get(index);
    int offset = (int) (ordinal & Block.MASK);
    if (b == null || !b.isSet(offset)) {
      return null;
    }
    listener.beforeChange(b);
    if (Long.compareUnsigned(index, home) < 0) {
      home = index;
    }
    return b.clear(offset);
  }

  /**
   * Allocates the next free ordinal in [first, last] (unsigned, inside the map), or returns
   * {@link #NONE} when the range is full.
   *
   * @param fromStart search from the start of the range instead of home (gateways: lowest free)
   */
  public long allocateNext(long first, long rangeLast, boolean serial, boolean fromStart,
      String owner, AllocationKind kind) {
    return allocateNext(first, rangeLast, serial, fromStart, owner, kind, null);
  }

  /** As {@link #allocateNext(long, long, boolean, boolean, String, AllocationKind)}, recording {@code mac}. */
  public long allocateNext(long first, long rangeLast, boolean serial, boolean fromStart,
      String owner, AllocationKind kind, String mac) {
    long firstBlock = first >>> Block.SHIFT;
    long lastBlock = rangeLast >>> Block.SHIFT;
    long n = lastBlock - firstBlock + 1;
    long start = fromStart || home < firstBlock || home > lastBlock ? firstBlock : home;
    skippedBusy = false;
    long found = scan(first, rangeLast, firstBlock, n, start, serial ? 1 : 0, owner, kind, mac);
    if (found == NONE && serial && !skippedBusy) {
      found = scan(first, rangeLast, firstBlock, n, firstBlock, 2, owner, kind, mac);
    }
    return found;
  }

  /** pass 0: whole blocks; 1: from each block's cursor; 2: up to each block's cursor. */
  private long scan(long first, long rangeLast, long firstBlock, long n, long start, int pass,
      String owner, AllocationKind kind, String mac) {
    boolean allFullSoFar = true;
    for (long i = 0; i < n; i++) {
      long index = firstBlock + Long.remainderUnsigned(start - firstBlock + i, n);
      if (!busy.isEmpty() && busy.contains(index)) {
        skippedBusy = true;
        allFullSoFar = false;
        continue;
      }
      Block b = blocks.get(index);
      int lo = index == (first >>> Block.SHIFT) ? (int) (first & Block.MASK) : 0;
      int hi = index == (rangeLast >>> Block.SHIFT) ? (int) (rangeLast & Block.MASK) : Block.MASK;
      if (b != null && pass == 1) {
        lo = Math.max(lo, b.cursor());
      } else if (b != null && pass == 2) {
        hi = Math.min(hi, b.cursor() - 1);
      }
      if (b != null && b.count() == Block.SIZE) {
        continue;
      }
      int offset = findFree(b, index, lo, hi);
      if (offset >= 0) {
        if (b == null) {
          b = block(index);
        }
        listener.beforeChange(b);
        b.set(offset, owner, kind, mac);
        if (pass != 0) {
          b.cursor(offset + 1);
        }
        if (allFullSoFar && (start == home || pass == 2)) {
          home = index;
        }
        return (index << Block.SHIFT) | offset;
      }
      // a block with a reserved ordinal never reaches SIZE: ask whether anything is left in it
      // (serial passes: a block with nothing after its cursor counts as used up until the wrap)
      if (allFullSoFar && pass == 0 && findFree(b, index, 0, Block.MASK) >= 0) {
        allFullSoFar = false;
      }
    }
    return NONE;
  }

  private int findFree(Block b, long index, int lo, int hi) {
    while (lo <= hi) {
      int offset = b == null ? lo : b.findFree(lo, hi);
      if (offset < 0) {
        return -1;
      }
      if (!reserved((index << Block.SHIFT) | offset)) {
        return offset;
      }
      lo = offset + 1;
    }
    return -1;
  }

  private Block block(long index) {
    Block b = blocks.get(index);
    if (b == null) {
      b = new Block(index);
      blocks.put(index, b);
    }
    return b;
  }

  /** The block at {@code index}, created empty if absent (for loading from the store). */
  public Block blockAt(long index) {
    return block(index);
  }

  /** The block at {@code index}, or null. */
  public Block existing(long index) {
    return blocks.get(index);
  }

  public Collection<Block> blocks() {
    return blocks.values();
  }

  /** Drops every block (before reloading all of them from the store). */
  public void clear() {
    blocks.clear();
  }

  /** How many ordinals in [first, last] are allocated. */
  public long countRange(long first, long rangeLast) {
    long total = 0;
    long firstBlock = first >>> Block.SHIFT;
    long lastBlock = rangeLast >>> Block.SHIFT;
    for (Block b : blocks.values()) {
      long i = b.index();
      if (b.count() == 0 || i < firstBlock || i > lastBlock) {
        continue;
      }
      int lo = i == firstBlock ? (int) (first & Block.MASK) : 0;
      int hi = i == lastBlock ? (int) (rangeLast & Block.MASK) : Block.MASK;
      total += b.countRange(lo, hi);
    }
    return total;
  }

  /** Every allocation in [first, last], in no particular order. */
  public List<Allocation> allocations(long first, long rangeLast) {
    List<Allocation> out = new ArrayList<>();
    for (Block b : blocks.values()) {
      if (b.count() == 0) {
        continue;
      }
      for (int o = 0; o < Block.SIZE; o++) {
        long ordinal = (b.index() << Block.SHIFT) | o;
        if (b.isSet(o) && Long.compareUnsigned(ordinal, first) >= 0 && Long.compareUnsigned(ordinal, rangeLast) <= 0) {
          out.add(new Allocation(ordinal, b.owner(o), b.kind(o), b.mac(o)));
        }
      }
    }
    return out;
  }

  /** One allocated ordinal; {@code mac} is null when none was given. */
  public record Allocation(long ordinal, String owner, AllocationKind kind, String mac) { }
}
