package dev.cnm.ipam.domain;

/** What an allocated ordinal is for. Stored by ordinal(): append only, never reorder. */
public enum AllocationKind {
  /** An endpoint's address, or an id of an id set. */
  ENDPOINT,
  /** A network's gateway address. */
  GATEWAY,
  /** An auxiliary address reserved for the network. */
  AUX
}
