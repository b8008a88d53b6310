package dev.cnm.agent.overlay;

/**
 * What one {@link OverlayDataplane#setPeers} changed in the kernel.
 *
 * @param fdbWritten static FDB entries added or re-pointed to another remote
 * @param neighboursWritten permanent neighbour entries added or given another MAC
 * @param fdbRemoved FDB entries of peers that are gone
 * @param neighboursRemoved neighbour entries of peers that are gone
 */
public record PeerChanges(int fdbWritten, int neighboursWritten, int fdbRemoved, int neighboursRemoved) {
  public static final PeerChanges NONE = new PeerChanges(0, 0, 0, 0);

  /** True when the kernel already held exactly these peers. */
  public boolean none() {
    return fdbWritten == 0 && neighboursWritten == 0 && fdbRemoved == 0 && neighboursRemoved == 0;
  }
}
