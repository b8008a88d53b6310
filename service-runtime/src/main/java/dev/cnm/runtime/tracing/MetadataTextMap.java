package dev.cnm.runtime.tracing;

import io.grpc.Metadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/** Reads and writes trace-context headers (traceparent, tracestate, baggage) in gRPC metadata. */
final class MetadataTextMap {
  static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      if (carrier == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        return null;
      }
      return carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  static final TextMapSetter<Metadata> SETTER = (carrier, key, value) -> {
    if (carrier != null) {
      Metadata.Key<String> header = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
      carrier.removeAll(header);
      carrier.put(header, value);
    }
  };

  private MetadataTextMap() {
  }
}
