package dev.cnm.store.embedded;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.DeleteRangeResponse;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.PutResponse;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.api.v1.ResponseOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.store.backend.StoreLimits;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies writes on the writer's connection, inside the group commit's open SQL transaction.
 * Each operation first validates everything it could fail on (revisions, leases), then writes,
 * so a rejected operation writes nothing. Every operation that changes a key takes exactly one
 * new revision; the changes are collected as events, published once the batch is durable.
 * Only the writer thread touches it.
 */
final class MvccWriter {
  private final Sql sql;
  private final long clusterId;
  private long revision;
  private long compact;
  // events of the current batch, per revision, in order
  private final List<List<Event>> pendingEvents = new ArrayList<>();

  MvccWriter(Sql sql, long clusterId, long revision, long compact) {
    this.sql = sql;
    this.clusterId = clusterId;
    this.revision = revision;
    this.compact = compact;
  }

  long revision() {
    return revision;
  }

  long compact() {
    return compact;
  }

  ResponseHeader header() {
    return ResponseHeader.newBuilder().setRevision(revision).setClusterId(clusterId).build();
  }

  /** Persists the revisions at the end of a batch (inside its SQL transaction). */
  void saveMeta() throws SQLException {
    Schema.setMeta(sql, "revision", revision);
    Schema.setMeta(sql, "compact", compact);
  }

  /** Takes the events of the batch just committed. */
  List<List<Event>> drainEvents() {
    List<List<Event>> out = new ArrayList<>(pendingEvents);
    pendingEvents.clear();
    return out;
  }

  /** After a failed batch: forget its events and reload the revisions from the database. */
  void reset() throws SQLException {
    pendingEvents.clear();
    revision = Schema.meta(sql, "revision");
    compact = Schema.meta(sql, "compact");
  }

  PutResponse put(PutRequest request) throws SQLException {
    requireLease(request.getLease(), "lease");
    List<Event> events = new ArrayList<>();
    KeyValue prev = applyPut(request, revision + 1, events);
    commitRevision(events);
    PutResponse.Builder out = PutResponse.newBuilder().setHeader(header());
    if (request.getPrevKv() && prev != null) {
      out.setPrevKv(prev);
    }
    return out.build();
  }

  DeleteRangeResponse deleteRange(DeleteRangeRequest request) throws SQLException {
    List<Event> events = new ArrayList<>();
    DeleteRangeResponse.Builder out = applyDelete(request, revision + 1, events);
    commitRevision(events);
    return out.setHeader(header()).build();
  }

  TxnResponse txn(TxnRequest request) throws SQLException {
    boolean ok = true;
    for (Compare c : request.getCompareList()) {
      // only a VALUE compare needs the value: the others leave large values unread
      ok &= holds(c, c.getTarget() == Compare.Target.VALUE ? KvQueries.current(sql, c.getKey())
          : KvQueries.currentWithoutValue(sql, c.getKey()));
    }
    List<RequestOp> ops = ok ? request.getSuccessList() : request.getFailureList();
    String branch = ok ? "success" : "failure";
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      if (op.hasRequestPut()) {
        requireLease(op.getRequestPut().getLease(), branch + "[" + i + "].request_put.lease");
      } else if (op.hasRequestRange()) {
        long rev = op.getRequestRange().getRevision();
        if (rev > revision) {
          throw StoreLimits.futureRevision(branch + "[" + i + "].request_range.revision", rev, revision);
        }
        if (rev > 0 && rev < compact) {
          throw StoreLimits.compacted(branch + "[" + i + "].request_range.revision", rev, compact);
        }
      }
    }
    long rev = revision + 1;
    List<Event> events = new ArrayList<>();
    List<ResponseOp.Builder> responses = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op.hasRequestPut()) {
        KeyValue prev = applyPut(op.getRequestPut(), rev, events);
        PutResponse.Builder p = PutResponse.newBuilder();
        if (op.getRequestPut().getPrevKv() && prev != null) {
          p.setPrevKv(prev);
        }
        responses.add(ResponseOp.newBuilder().setResponsePut(p));
      } else if (op.hasRequestDeleteRange()) {
        responses.add(ResponseOp.newBuilder().setResponseDeleteRange(applyDelete(op.getRequestDeleteRange(), rev, events)));
      } else {
        RangeRequest r = op.getRequestRange();
        // a read after this Txn's own writes sees them (the kv table already holds them)
        long current = events.isEmpty() ? revision : rev;
        RangeRequest atCurrent = r.getRevision() == current ? r.toBuilder().setRevision(0).build() : r;
        responses.add(ResponseOp.newBuilder().setResponseRange(
            KvQueries.range(sql, atCurrent, current, compact, ResponseHeader.getDefaultInstance())));
      }
    }
    commitRevision(events);
    ResponseHeader header = header();
    TxnResponse.Builder out = TxnResponse.newBuilder().setHeader(header).setSucceeded(ok);
    for (ResponseOp.Builder r : responses) {
      if (r.hasResponsePut()) {
        r.getResponsePutBuilder().setHeader(header);
      } else if (r.hasResponseDeleteRange()) {
        r.getResponseDeleteRangeBuilder().setHeader(header);
      } else {
        r.getResponseRangeBuilder().setHeader(header);
      }
      out.addResponses(r);
    }
    return out.build();
  }

  /** Deletes every key of a lease (one revision) and the lease; false if it did not exist. */
  boolean revokeLease(long id) throws SQLException {
    if (!leaseExists(id)) {
      return false;
    }
    List<Event> events = new ArrayList<>();
    PreparedStatement ps = sql.ps("SELECT key FROM kv WHERE lease = ? ORDER BY key");
    ps.setLong(1, id);
    List<ByteString> keys = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        keys.add(ByteString.copyFrom(rs.getBytes(1)));
      }
    }
    for (ByteString key : keys) {
      applyDelete(DeleteRangeRequest.newBuilder().setKey(key).build(), revision + 1, events);
    }
    PreparedStatement del = sql.ps("DELETE FROM lease WHERE id = ?");
    del.setLong(1, id);
    del.executeUpdate();
    commitRevision(events);
    return true;
  }

  void grantLease(long id, long ttl) throws SQLException {
    PreparedStatement ps = sql.ps("INSERT INTO lease (id, ttl) VALUES (?, ?)");
    ps.setLong(1, id);
    ps.setLong(2, ttl);
    ps.executeUpdate();
  }

  boolean leaseExists(long id) throws SQLException {
    PreparedStatement ps = sql.ps("SELECT 1 FROM lease WHERE id = ?");
    ps.setLong(1, id);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  /**
   * Discards history before {@code rev}: for each key only the newest change at or before rev
   * stays (tombstones older than rev go entirely), so every revision >= rev still reads alike.
   */
  void compact(long rev) throws SQLException {
    if (rev > revision) {
      throw StoreLimits.futureRevision("revision", rev, revision);
    }
    if (rev <= compact) {
      throw StoreLimits.compacted("revision", rev, compact);
    }
    PreparedStatement superseded = sql.ps("DELETE FROM log WHERE rev <= ? AND id NOT IN"
        + " (SELECT max(id) FROM log WHERE rev <= ? GROUP BY key)");
    superseded.setLong(1, rev);
    superseded.setLong(2, rev);
    superseded.executeUpdate();
    PreparedStatement tombstones = sql.ps("DELETE FROM log WHERE rev < ? AND deleted = 1");
    tombstones.setLong(1, rev);
    tombstones.executeUpdate();
    compact = rev;
  }

  private void requireLease(long lease, String field) throws SQLException {
    if (lease != 0 && !leaseExists(lease)) {
      throw StoreLimits.leaseNotFound(field, lease);
    }
  }

  private void commitRevision(List<Event> events) {
    if (!events.isEmpty()) {
      revision++;
      pendingEvents.add(events);
    }
  }

  private KeyValue applyPut(PutRequest request, long rev, List<Event> events) throws SQLException {
    KeyValue prev = KvQueries.current(sql, request.getKey());
    KeyValue kv = KeyValue.newBuilder()
        .setKey(request.getKey())
        .setCreateRevision(prev == null ? rev : prev.getCreateRevision())
        .setModRevision(rev)
        .setVersion(prev == null ? 1 : prev.getVersion() + 1)
        .setLease(request.getLease())
        .setValue(request.getValue())
        .build();
    // an upsert changes the row in place: same rowid, and the key's index entry stays untouched
    PreparedStatement up = sql.ps("INSERT INTO kv (key, create_rev, mod_rev, version, lease, value)"
        + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET create_rev = excluded.create_rev,"
        + " mod_rev = excluded.mod_rev, version = excluded.version, lease = excluded.lease, value = excluded.value");
    up.setBytes(1, kv.getKey().toByteArray());
    up.setLong(2, kv.getCreateRevision());
    up.setLong(3, rev);
    up.setLong(4, kv.getVersion());
    up.setLong(5, kv.getLease());
    up.setBytes(6, kv.getValue().toByteArray());
    up.executeUpdate();
    appendLog(rev, kv.getKey(), false, kv.getCreateRevision(), kv.getVersion(), kv.getLease(), kv.getValue());
    Event.Builder e = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
    if (prev != null) {
      e.setPrevKv(prev);
    }
    events.add(e.build());
    return prev;
  }

  private DeleteRangeResponse.Builder applyDelete(DeleteRangeRequest request, long rev, List<Event> events)
      throws SQLException {
    KeyRange range = KeyRange.of(request.getKey(), request.getRangeEnd());
    List<KeyValue> gone = KvQueries.currentRange(sql, range);
    DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder().setDeleted(gone.size());
    if (gone.isEmpty()) {
      return out;
    }
    PreparedStatement del = sql.ps("DELETE FROM kv WHERE " + range.where("key"));
    range.bind(del, 1);
    del.executeUpdate();
    for (KeyValue prev : gone) {
      appendLog(rev, prev.getKey(), true, 0, 0, 0, null);
      events.add(Event.newBuilder().setType(Event.EventType.DELETE)
          .setKv(KeyValue.newBuilder().setKey(prev.getKey()).setModRevision(rev)).setPrevKv(prev).build());
      if (request.getPrevKv()) {
        out.addPrevKvs(prev);
      }
    }
    return out;
  }

  private void appendLog(long rev, ByteString key, boolean deleted, long createRev, long version, long lease,
      ByteString value) throws SQLException {
    PreparedStatement ps = sql.ps("INSERT INTO log (rev, key, deleted, create_rev, version, lease, value)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?)");
    ps.setLong(1, rev);
    ps.setBytes(2, key.toByteArray());
    ps.setInt(3, deleted ? 1 : 0);
    ps.setLong(4, createRev);
    ps.setLong(5, version);
    ps.setLong(6, lease);
    ps.setBytes(7, value == null ? null : value.toByteArray());
    ps.executeUpdate();
  }

  /** etcd's compare: a missing key has revisions and version 0 and no value (a VALUE compare fails). */
  private static boolean holds(Compare c, KeyValue kv) {
    int cmp;
    switch (c.getTarget()) {
      case VERSION -> cmp = Long.compare(kv == null ? 0 : kv.getVersion(), c.getVersion());
      case CREATE_REVISION -> cmp = Long.compare(kv == null ? 0 : kv.getCreateRevision(), c.getCreateRevision());
      case MOD_REVISION -> cmp = Long.compare(kv == null ? 0 : kv.getModRevision(), c.getModRevision());
      case VALUE -> {
        if (kv == null) {
          return false;
        }
        cmp = ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), c.getValue());
      }
      default -> throw new IllegalArgumentException("compare target " + c.getTarget());
    }
    return switch (c.getResult()) {
      case EQUAL -> cmp == 0;
      case NOT_EQUAL -> cmp != 0;
      case GREATER -> cmp > 0;
      case LESS -> cmp < 0;
      default -> throw new IllegalArgumentException("compare result " + c.getResult());
    };
  }
}
