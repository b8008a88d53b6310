package dev.cnm.store.etcd;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.ResponseHeader;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

/** Translation between the cnm.v1 messages and jetcd's types (one place, both directions). */
final class EtcdConvert {
  private EtcdConvert() {}

  static ByteSequence bytes(ByteString b) {
    return ByteSequence.from(b);
  }

  static ByteString bytes(ByteSequence b) {
    return ByteString.copyFrom(b.getBytes());
  }

  static ResponseHeader header(Response.Header h) {
    return ResponseHeader.newBuilder().setRevision(h.getRevision()).setClusterId(h.getClusterId()).build();
  }

  static KeyValue kv(io.etcd.jetcd.KeyValue kv, boolean withValue) {
    KeyValue.Builder out = KeyValue.newBuilder()
        .setKey(bytes(kv.getKey()))
        .setCreateRevision(kv.getCreateRevision())
        .setModRevision(kv.getModRevision())
        .setVersion(kv.getVersion())
        .setLease(kv.getLease());
    if (withValue) {
      out.setValue(bytes(kv.getValue()));
    }
    return out.build();
  }

  static GetOption getOption(RangeRequest r) {
    GetOption.Builder o = GetOption.builder()
        .withRevision(r.getRevision())
        .withLimit(r.getLimit())
        .withKeysOnly(r.getKeysOnly())
        .withCountOnly(r.getCountOnly()); // etcd returns keys in byte order without a sort option
    if (!r.getRangeEnd().isEmpty()) {
      o.withRange(bytes(r.getRangeEnd()));
    }
    return o.build();
  }

  static PutOption putOption(PutRequest r) {
    PutOption.Builder o = PutOption.builder().withLeaseId(r.getLease());
    if (r.getPrevKv()) {
      o.withPrevKV();
    }
    return o.build();
  }

  static DeleteOption deleteOption(DeleteRangeRequest r) {
    DeleteOption.Builder o = DeleteOption.builder().withPrevKV(r.getPrevKv());
    if (!r.getRangeEnd().isEmpty()) {
      o.withRange(bytes(r.getRangeEnd()));
    }
    return o.build();
  }

  static Cmp cmp(Compare c) {
    Cmp.Op op = switch (c.getResult()) {
      case EQUAL -> Cmp.Op.EQUAL;
      case GREATER -> Cmp.Op.GREATER;
      case LESS -> Cmp.Op.LESS;
      case NOT_EQUAL -> Cmp.Op.NOT_EQUAL;
      default -> throw new IllegalArgumentException("validated before: " + c.getResult());
    };
    CmpTarget<?> target = switch (c.getTarget()) {
      case VERSION -> CmpTarget.version(c.getVersion());
      case CREATE_REVISION -> CmpTarget.createRevision(c.getCreateRevision());
      case MOD_REVISION -> CmpTarget.modRevision(c.getModRevision());
      case VALUE -> CmpTarget.value(bytes(c.getValue()));
      default -> throw new IllegalArgumentException("validated before: " + c.getTarget());
    };
    return new Cmp(bytes(c.getKey()), op, target);
  }
}
