package dev.cnm.store.grpc;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.LeaseGrantRequest;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.backend.StoreLimits;
import java.util.List;

/**
 * Checks a request against the API's limits before any backend sees it, naming the bad field,
 * and resolves the {@code prefix} convenience into {@code range_end}, so backends see one form.
 */
final class RequestValidator {
  private RequestValidator() {}

  static RangeRequest range(RangeRequest r, String at) {
    key(r.getKey(), at + "key");
    rangeEnd(r.getRangeEnd(), r.getPrefix(), at + "range_end");
    nonNegative(r.getRevision(), at + "revision");
    nonNegative(r.getLimit(), at + "limit");
    return r.getPrefix() ? r.toBuilder().setPrefix(false).setRangeEnd(prefixEnd(r.getKey())).build() : r;
  }

  static PutRequest put(PutRequest r, String at) {
    key(r.getKey(), at + "key");
    if (r.getValue().size() > StoreLimits.MAX_VALUE_BYTES) {
      throw CnmException.invalidArgument(at + "value", "value of " + r.getValue().size()
          + " bytes is over the limit of " + StoreLimits.MAX_VALUE_BYTES + " bytes (1.5 MiB)");
    }
    nonNegative(r.getLease(), at + "lease");
    return r;
  }

  static DeleteRangeRequest deleteRange(DeleteRangeRequest r, String at) {
    key(r.getKey(), at + "key");
    rangeEnd(r.getRangeEnd(), r.getPrefix(), at + "range_end");
    return r.getPrefix() ? r.toBuilder().setPrefix(false).setRangeEnd(prefixEnd(r.getKey())).build() : r;
  }

  static TxnRequest txn(TxnRequest r) {
    int ops = r.getCompareCount() + r.getSuccessCount() + r.getFailureCount();
    if (ops > StoreLimits.MAX_TXN_OPS) {
      throw CnmException.invalidArgument("compare+success+failure", "a Txn holds " + ops
          + " entries, more than the limit of " + StoreLimits.MAX_TXN_OPS);
    }
    for (int i = 0; i < r.getCompareCount(); i++) {
      compare(r.getCompare(i), "compare[" + i + "].");
    }
    TxnRequest.Builder out = r.toBuilder();
    ops(out, r.getSuccessList(), "success", true);
    ops(out, r.getFailureList(), "failure", false);
    return out.build();
  }

  private static void ops(TxnRequest.Builder out, List<RequestOp> ops, String branch, boolean success) {
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      String at = branch + "[" + i + "].";
      RequestOp fixed = switch (op.getRequestCase()) {
        case REQUEST_RANGE -> RequestOp.newBuilder().setRequestRange(range(op.getRequestRange(), at + "request_range.")).build();
        case REQUEST_PUT -> RequestOp.newBuilder().setRequestPut(put(op.getRequestPut(), at + "request_put.")).build();
        case REQUEST_DELETE_RANGE -> RequestOp.newBuilder().setRequestDeleteRange(
            deleteRange(op.getRequestDeleteRange(), at + "request_delete_range.")).build();
        default -> throw CnmException.invalidArgument(at + "request", "no operation set");
      };
      if (success) {
        out.setSuccess(i, fixed);
      } else {
        out.setFailure(i, fixed);
      }
    }
  }

  private static void compare(Compare c, String at) {
    key(c.getKey(), at + "key");
    if (c.getResult() == Compare.Result.RESULT_UNSPECIFIED || c.getResult() == Compare.Result.UNRECOGNIZED) {
      throw CnmException.invalidArgument(at + "result", "must be EQUAL, GREATER, LESS or NOT_EQUAL");
    }
    Compare.TargetUnionCase expected = switch (c.getTarget()) {
      case VERSION -> Compare.TargetUnionCase.VERSION;
      case CREATE_REVISION -> Compare.TargetUnionCase.CREATE_REVISION;
      case MOD_REVISION -> Compare.TargetUnionCase.MOD_REVISION;
      case VALUE -> Compare.TargetUnionCase.VALUE;
      default -> throw CnmException.invalidArgument(at + "target",
          "must be VERSION, CREATE_REVISION, MOD_REVISION or VALUE");
    };
    if (c.getTargetUnionCase() != expected) {
      throw CnmException.invalidArgument(at + "target_union", "target " + c.getTarget()
          + " needs the operand " + expected.name().toLowerCase() + ", got "
          + c.getTargetUnionCase().name().toLowerCase());
    }
    if (c.getTarget() == Compare.Target.VALUE && c.getValue().size() > StoreLimits.MAX_VALUE_BYTES) {
      throw CnmException.invalidArgument(at + "value", "operand over 1.5 MiB");
    }
  }

  static WatchRequest watch(WatchRequest r) {
    key(r.getKey(), "key");
    rangeEnd(r.getRangeEnd(), r.getPrefix(), "range_end");
    nonNegative(r.getStartRevision(), "start_revision");
    return r.getPrefix() ? r.toBuilder().setPrefix(false).setRangeEnd(prefixEnd(r.getKey())).build() : r;
  }

  static CompactRequest compact(CompactRequest r) {
    if (r.getRevision() <= 0) {
      throw CnmException.invalidArgument("revision", "must be a revision >= 1, got " + r.getRevision());
    }
    return r;
  }

  static LeaseGrantRequest leaseGrant(LeaseGrantRequest r) {
    if (r.getTtl() < 1 || r.getTtl() > StoreLimits.MAX_LEASE_TTL) {
      throw CnmException.invalidArgument("ttl", "must be 1.." + StoreLimits.MAX_LEASE_TTL + " seconds, got " + r.getTtl());
    }
    return r;
  }

  private static void key(ByteString key, String field) {
    if (key.isEmpty()) {
      throw CnmException.invalidArgument(field, "a key is required");
    }
    if (key.size() > StoreLimits.MAX_KEY_BYTES) {
      throw CnmException.invalidArgument(field, "key of " + key.size() + " bytes is over the limit of "
          + StoreLimits.MAX_KEY_BYTES);
    }
  }

  private static void rangeEnd(ByteString end, boolean prefix, String field) {
    if (prefix && !end.isEmpty()) {
      throw CnmException.invalidArgument(field, "must be empty when prefix is set");
    }
    if (end.size() > StoreLimits.MAX_KEY_BYTES) {
      throw CnmException.invalidArgument(field, "over the limit of " + StoreLimits.MAX_KEY_BYTES + " bytes");
    }
  }

  private static void nonNegative(long v, String field) {
    if (v < 0) {
      throw CnmException.invalidArgument(field, "must not be negative, got " + v);
    }
  }

  /** etcd's GetPrefixRangeEnd: the prefix with its last non-0xff byte incremented. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if ((b[i] & 0xff) != 0xff) {
        byte[] end = java.util.Arrays.copyOf(b, i + 1);
        end[i]++;
        return ByteString.copyFrom(end);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
