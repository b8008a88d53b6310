package dev.cnm.cli.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** How client commands print: aligned columns, or protobuf's canonical JSON (one document). */
public enum Output {
  TABLE,
  JSON;

  public static Output parse(String text) {
    return switch (text == null ? "table" : text.toLowerCase()) {
      case "table" -> TABLE;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("--output: expected table or json, got " + text);
    };
  }

  /** One column: its header and how to get the cell. */
  public record Column<T>(String header, Function<T, String> cell) {}

  @SafeVarargs
  public final <T extends MessageOrBuilder> void list(PrintWriter out, List<T> rows, Column<T>... columns) {
    if (this == JSON) {
      out.println("[");
      for (int i = 0; i < rows.size(); i++) {
        out.print(json(rows.get(i)));
        out.println(i + 1 < rows.size() ? "," : "");
      }
      out.println("]");
      out.flush();
      return;
    }
    List<String[]> lines = new ArrayList<>();
    String[] head = new String[columns.length];
    for (int c = 0; c < columns.length; c++) {
      head[c] = columns[c].header();
    }
    lines.add(head);
    for (T row : rows) {
      String[] line = new String[columns.length];
      for (int c = 0; c < columns.length; c++) {
        String v = columns[c].cell().apply(row);
        line[c] = v == null || v.isEmpty() ? "-" : v;
      }
      lines.add(line);
    }
    int[] width = new int[columns.length];
    for (String[] l : lines) {
      for (int c = 0; c < l.length; c++) {
        width[c] = Math.max(width[c], l[c].length());
      }
    }
    for (String[] l : lines) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < l.length; c++) {
        sb.append(l[c]);
        if (c + 1 < l.length) {
          sb.append(" ".repeat(width[c] - l[c].length() + 3));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
    out.flush();
  }

  /** One object: JSON in both formats (an inspect is a document). */
  public void one(PrintWriter out, MessageOrBuilder message) {
    out.println(json(message));
    out.flush();
  }

  /** What a create prints: the new object as JSON, or (table) only its id, as docker does. */
  public void created(PrintWriter out, MessageOrBuilder message, String id) {
    if (this == JSON) {
      one(out, message);
    } else {
      out.println(id);
      out.flush();
    }
  }

  static String json(MessageOrBuilder m) {
    try {
      return JsonFormat.printer().preservingProtoFieldNames().print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
