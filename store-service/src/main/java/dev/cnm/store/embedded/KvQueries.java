package dev.cnm.store.embedded;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.store.backend.StoreLimits;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The read queries, shared by the reader pool and the writer (for a Txn's reads). */
final class KvQueries {
  /** Every column of kv but the value, in the order {@link #keyValue} reads them. */
  private static final String KV_META_COLS = "key, create_rev, mod_rev, version, lease";
  private static final String KV_COLS = KV_META_COLS + ", value";
  private static final String LOG_COLS = "l.key, l.create_rev, l.rev, l.version, l.lease, l.value";

  private KvQueries() {}

  /**
   * Range at {@code request.revision} (0: current). {@code current} and {@code compact} are the
   * revisions as of the caller's snapshot.
   */
  static RangeResponse range(Sql sql, RangeRequest request, long current, long compact, ResponseHeader header)
      throws SQLException {
    long rev = request.getRevision();
    if (rev > current) {
      throw StoreLimits.futureRevision("revision", rev, current);
    }
    if (rev > 0 && rev < compact) {
      throw StoreLimits.compacted("revision", rev, compact);
    }
    KeyRange range = KeyRange.of(request.getKey(), request.getRangeEnd());
    boolean atCurrent = rev == 0 || rev == current;
    String from = atCurrent
        ? "FROM kv WHERE " + range.where("key")
        : "FROM log l JOIN (SELECT max(id) AS mid FROM log WHERE " + range.where("key")
            + " AND rev <= ? GROUP BY key) m ON l.id = m.mid WHERE l.deleted = 0";
    long count = count(sql, "SELECT count(*) " + from, range, atCurrent, rev);
    RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header).setCount(count);
    if (request.getCountOnly()) {
      return out.build();
    }
    String select = "SELECT " + (atCurrent ? KV_COLS : LOG_COLS) + " " + from
        + " ORDER BY " + (atCurrent ? "key" : "l.key") + " LIMIT ?";
    PreparedStatement ps = sql.ps(select);
    int at = range.bind(ps, 1);
    if (!atCurrent) {
      ps.setLong(at++, rev);
    }
    ps.setLong(at, request.getLimit() > 0 ? request.getLimit() : -1);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.addKvs(keyValue(rs, request.getKeysOnly()));
      }
    }
    out.setMore(out.getKvsCount() < count);
    return out.build();
  }

  private static long count(Sql sql, String query, KeyRange range, boolean atCurrent, long rev) throws SQLException {
    PreparedStatement ps = sql.ps(query);
    int at = range.bind(ps, 1);
    if (!atCurrent) {
      ps.setLong(at, rev);
    }
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The current pair of one key, or null. */
  static KeyValue current(Sql sql, ByteString key) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT " + KV_COLS + " FROM kv WHERE key = ?");
    ps.setBytes(1, key.toByteArray());
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? keyValue(rs, false) : null;
    }
  }

  /** The current pair of one key without its value (revisions, version, lease), or null. */
  static KeyValue currentWithoutValue(Sql sql, ByteString key) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT " + KV_META_COLS + " FROM kv WHERE key = ?");
    ps.setBytes(1, key.toByteArray());
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? keyValue(rs, true) : null;
    }
  }

  /** The current pairs in a range, in key order. */
  static List<KeyValue> currentRange(Sql sql, KeyRange range) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT " + KV_COLS + " FROM kv WHERE " + range.where("key") + " ORDER BY key");
    range.bind(ps, 1);
    List<KeyValue> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(keyValue(rs, false));
      }
    }
    return out;
  }

  /** The events of revisions [fromRev, toRev] on keys in {@code range}, in revision order. */
  static List<Event> events(Sql sql, KeyRange range, long fromRev, long toRev, boolean prevKv) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT id, rev, key, deleted, create_rev, version, lease, value FROM log"
        + " WHERE rev >= ? AND rev <= ? AND " + range.where("key") + " ORDER BY id");
    ps.setLong(1, fromRev);
    ps.setLong(2, toRev);
    range.bind(ps, 3);
    List<long[]> ids = new ArrayList<>();
    List<Event.Builder> events = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ByteString key = ByteString.copyFrom(rs.getBytes(3));
        long rev = rs.getLong(2);
        Event.Builder e = Event.newBuilder();
        if (rs.getInt(4) != 0) {
          e.setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder().setKey(key).setModRevision(rev));
        } else {
          byte[] value = rs.getBytes(8);
          e.setType(Event.EventType.PUT).setKv(KeyValue.newBuilder().setKey(key).setModRevision(rev)
              .setCreateRevision(rs.getLong(5)).setVersion(rs.getLong(6)).setLease(rs.getLong(7))
              .setValue(value == null ? ByteString.EMPTY : ByteString.copyFrom(value)));
        }
        ids.add(new long[] {rs.getLong(1)});
        events.add(e);
      }
    }
    List<Event> out = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Event.Builder e = events.get(i);
      if (prevKv) {
        KeyValue prev = before(sql, e.getKv().getKey(), ids.get(i)[0]);
        if (prev != null) {
          e.setPrevKv(prev);
        }
      }
      out.add(e.build());
    }
    return out;
  }

  /** The live pair of {@code key} just before log row {@code id}, or null. */
  private static KeyValue before(Sql sql, ByteString key, long id) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT key, create_rev, rev, version, lease, value, deleted FROM log"
        + " WHERE key = ? AND id < ? ORDER BY id DESC LIMIT 1");
    ps.setBytes(1, key.toByteArray());
    ps.setLong(2, id);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getInt(7) == 0 ? keyValue(rs, false) : null;
    }
  }

  /** Columns: key, create_rev, mod_rev, version, lease, value. */
  private static KeyValue keyValue(ResultSet rs, boolean keysOnly) throws SQLException {
    KeyValue.Builder kv = KeyValue.newBuilder()
        .setKey(ByteString.copyFrom(rs.getBytes(1)))
        .setCreateRevision(rs.getLong(2))
        .setModRevision(rs.getLong(3))
        .setVersion(rs.getLong(4))
        .setLease(rs.getLong(5));
    if (!keysOnly) {
      byte[] value = rs.getBytes(6);
      if (value != null) {
        kv.setValue(ByteString.copyFrom(value));
      }
    }
    return kv.build();
  }
}
