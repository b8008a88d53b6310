package dev.cnm.runtime.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.ErrorInfo;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The error catalogue, {@code proto/cnm/v1/errors.proto}: read as text (the generated code
 * keeps no comments), checked against the generated enum and against every reason the main
 * sources of all modules use.
 */
class ErrorCatalogueTest {
  private static final Pattern VALUE = Pattern.compile("^\\s*([A-Z][A-Z0-9_]*)\\s*=\\s*(\\d+)\\s*;");
  private static final Pattern USE = Pattern.compile("ErrorReason\\.([A-Z][A-Z0-9_]*)");

  @Test
  void errorsProto_everyValue_isDocumentedOnTheLineAbove() {
    List<String> lines = enumLines();
    List<String> undocumented = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = VALUE.matcher(lines.get(i));
      if (!m.find()) {
        continue;
      }
      String above = i == 0 ? "" : lines.get(i - 1).strip();
      if (!above.startsWith("//") || above.startsWith("// ---") || above.substring(2).strip().length() < 10) {
        undocumented.add(m.group(1));
      }
    }
    assertThat(undocumented).as("values without a one-line comment saying when they are returned").isEmpty();
  }

  @Test
  void errorsProto_values_areTheGeneratedEnumsWithUniqueNumbers() {
    Map<String, Integer> declared = declared();
    assertThat(new TreeSet<>(declared.values())).hasSize(declared.size());
    assertThat(declared).containsEntry("ERROR_REASON_UNSPECIFIED", 0);
    Map<String, Integer> generated = Arrays.stream(ErrorReason.values())
        .filter(r -> r != ErrorReason.UNRECOGNIZED)
        .collect(Collectors.toMap(ErrorReason::name, ErrorReason::getNumber, (a, b) -> a, TreeMap::new));
    assertThat(new TreeMap<>(declared)).isEqualTo(generated);
  }

  @Test
  void mainSources_everyReasonUsed_isInTheCatalogue() throws IOException {
    Map<String, Integer> declared = declared();
    Map<String, String> unknown = new TreeMap<>();
    int uses = 0;
    for (Path file : mainSources()) {
      Matcher m = USE.matcher(Files.readString(file));
      while (m.find()) {
        uses++;
        if (!declared.containsKey(m.group(1)) && !m.group(1).equals("UNRECOGNIZED")) {
          unknown.put(m.group(1), root().relativize(file).toString());
        }
      }
    }
    assertThat(uses).as("reasons used in */src/main").isGreaterThan(100);
    assertThat(unknown).as("reasons used but not declared in errors.proto").isEmpty();
  }

  @Test
  void mainSources_onlyTheClientSideOfTheTable_buildsReasonsFromStrings() throws IOException {
    List<String> callers = new ArrayList<>();
    for (Path file : mainSources()) {
      if (Files.readString(file).contains("CnmException.received(")) {
        callers.add(file.getFileName().toString());
      }
    }
    assertThat(callers).containsExactly("GrpcErrors.java");
  }

  @Test
  void reason_knownReasons_keepTheirWireStrings() throws Exception {
    Map<ErrorReason, String> wire = new LinkedHashMap<>();
    wire.put(ErrorReason.POOL_OVERLAPS, "POOL_OVERLAPS");
    wire.put(ErrorReason.NETWORK_HAS_ENDPOINTS, "NETWORK_HAS_ENDPOINTS");
    wire.put(ErrorReason.INVALID_FIELD, "INVALID_FIELD");
    wire.put(ErrorReason.TCP_CALLER_NOT_TRUSTED, "TCP_CALLER_NOT_TRUSTED");
    wire.put(ErrorReason.STORE_CONFLICT, "STORE_CONFLICT");
    wire.put(ErrorReason.KERNEL_EEXIST, "KERNEL_EEXIST");
    wire.put(ErrorReason.NFT_APPLY_FAILED, "NFT_APPLY_FAILED");
    for (Map.Entry<ErrorReason, String> e : wire.entrySet()) {
      StatusRuntimeException status = GrpcErrors.toStatusException(
          new CnmException(ErrorKind.FAILED_PRECONDITION, e.getKey(), "m"));
      ErrorInfo info = StatusProto.fromThrowable(status).getDetails(0).unpack(ErrorInfo.class);
      assertThat(info.getReason()).isEqualTo(e.getValue());
      CnmException back = GrpcErrors.fromStatus(status);
      assertThat(back.reason()).isEqualTo(e.getValue());
      assertThat(back.errorReason()).isEqualTo(e.getKey());
    }
  }

  @Test
  void errorKind_everyKind_hasTheGenericReasonOfItsName() {
    for (ErrorKind kind : ErrorKind.values()) {
      assertThat(kind.reason().name()).isEqualTo(kind.name());
    }
  }

  @Test
  void received_reasonNotInTheCatalogue_keepsTheStringAndIsUnrecognized() {
    CnmException e = CnmException.received(ErrorKind.NOT_FOUND, "A_REASON_OF_A_NEWER_PEER", "m", Map.of(), null);

    assertThat(e.reason()).isEqualTo("A_REASON_OF_A_NEWER_PEER");
    assertThat(e.errorReason()).isEqualTo(ErrorReason.UNRECOGNIZED);
  }

  @Test
  void constructor_unspecifiedOrUnrecognized_isRejected() {
    assertThatThrownBy(() -> new CnmException(ErrorKind.INTERNAL, ErrorReason.ERROR_REASON_UNSPECIFIED, "m"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CnmException(ErrorKind.INTERNAL, ErrorReason.UNRECOGNIZED, "m"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withContext_keepsKindAndReason_andWrapsTheOriginal() {
    CnmException original = new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.POOL_OVERLAPS, "overlaps");

    CnmException wrapped = original.withContext("network.ipam: overlaps", Map.of("field", "network.ipam"));

    assertThat(wrapped.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
    assertThat(wrapped.reason()).isEqualTo("POOL_OVERLAPS");
    assertThat(wrapped.metadata()).containsEntry("field", "network.ipam");
    assertThat(wrapped.getCause()).isSameAs(original);
  }

  private static Map<String, Integer> declared() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String line : enumLines()) {
      Matcher m = VALUE.matcher(line);
      if (m.find()) {
        assertThat(out.put(m.group(1), Integer.parseInt(m.group(2)))).as("declared twice: " + m.group(1)).isNull();
      }
    }
    return out;
  }

  /** The lines inside {@code enum ErrorReason}, without its first and last line. */
  private static List<String> enumLines() {
    List<String> lines;
    try {
      lines = Files.readAllLines(root().resolve("proto/cnm/v1/errors.proto"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int start = lines.indexOf("enum ErrorReason {");
    int end = lines.subList(start, lines.size()).indexOf("}") + start;
    assertThat(start).as("enum ErrorReason in errors.proto").isNotNegative();
    assertThat(end).isGreaterThan(start);
    return lines.subList(start + 1, end);
  }

  private static List<Path> mainSources() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root())) {
      for (Path module : modules.filter(Files::isDirectory).toList()) {
        Path main = module.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          try (Stream<Path> files = Files.walk(main)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(out::add);
          }
        }
      }
    }
    assertThat(out).as("main sources under " + root()).isNotEmpty();
    return out;
  }

  /** The repository: the nearest directory above the working directory that holds proto/cnm/v1. */
  private static Path root() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("proto/cnm/v1/errors.proto"))) {
        return dir;
      }
    }
    throw new AssertionError("no proto/cnm/v1/errors.proto above " + Paths.get("").toAbsolutePath());
  }
}
