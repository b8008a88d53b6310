package dev.cnm.store.embedded;

import com.google.protobuf.ByteString;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A key or key range as etcd spells it: range_end empty = the key alone; "\0" = every key from
 * key on; otherwise [key, range_end). SQLite compares BLOBs with memcmp, which is etcd's order.
 */
record KeyRange(ByteString from, ByteString toExclusive, boolean single) {

  static KeyRange of(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return new KeyRange(key, null, true);
    }
    if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
      return new KeyRange(key, null, false);
    }
    return new KeyRange(key, rangeEnd, false);
  }

  /** The SQL condition on column {@code col}; bind with {@link #bind}. */
  String where(String col) {
    if (single) {
      return col + " = ?";
    }
    return toExclusive == null ? col + " >= ?" : col + " >= ? AND " + col + " < ?";
  }

  /** Binds the condition's parameters from index {@code at}; returns the next free index. */
  int bind(PreparedStatement ps, int at) throws SQLException {
    ps.setBytes(at++, from.toByteArray());
    if (!single && toExclusive != null) {
      ps.setBytes(at++, toExclusive.toByteArray());
    }
    return at;
  }

  boolean contains(ByteString key) {
    if (single) {
      return key.equals(from);
    }
    var cmp = ByteString.unsignedLexicographicalComparator();
    return cmp.compare(key, from) >= 0 && (toExclusive == null || cmp.compare(key, toExclusive) < 0);
  }
}
