package dev.cnm.cli.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.cnm.cli.Cnm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code cnm ...} command line docs/operations.md shows (in shell blocks and in inline code)
 * parses with the real {@code cnm} command: the subcommands and flags it names exist. Optional
 * parts written {@code [--flag VALUE]} are parsed too; {@code ...} stands for "more arguments".
 */
class OperationsDocCommandsTest {
  private static final Pattern INLINE = Pattern.compile("`(cnm [^`]*)`");
  private static final Pattern OPTIONAL = Pattern.compile("\\[([^\\]]*)\\](\\.\\.\\.)?");

  private static Path doc() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("docs/operations.md");
      if (Files.exists(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("docs/operations.md not found above " + Path.of("").toAbsolutePath());
  }

  /** A command of the page; {@code inline}: in prose, where it may name a command without its arguments. */
  record DocCommand(String text, boolean inline) {}

  /** The cnm command lines of the page: shell lines starting with "cnm " (joined at "\"), and inline code. */
  static List<DocCommand> commands(List<String> lines) {
    List<DocCommand> out = new ArrayList<>();
    boolean inShell = false;
    StringBuilder pending = null;
    for (String line : lines) {
      if (line.startsWith("```")) {
        inShell = !inShell && line.startsWith("```sh");
        continue;
      }
      if (inShell) {
        String text = line.replaceFirst("\\s+#.*$", "").trim();
        if (pending != null) {
          pending.append(' ').append(text);
        } else if (text.startsWith("cnm ")) {
          pending = new StringBuilder(text);
        }
        if (pending != null && !pending.toString().endsWith("\\")) {
          out.add(new DocCommand(pending.toString(), false));
          pending = null;
        } else if (pending != null) {
          pending.setLength(pending.length() - 1);
        }
      } else {
        Matcher m = INLINE.matcher(line);
        while (m.find()) {
          out.add(new DocCommand(m.group(1), true));
        }
      }
    }
    return out;
  }

  /** Splits like a shell: whitespace separates, double quotes group. */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : command.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (any) {
          words.add(word.toString());
          word.setLength(0);
          any = false;
        }
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      words.add(word.toString());
    }
    return words;
  }

  @Test
  void everyCnmCommandOfTheOperationsPage_parses() throws Exception {
    List<DocCommand> commands = commands(Files.readAllLines(doc()));
    assertThat(commands).extracting(DocCommand::text).as("cnm commands found").hasSizeGreaterThan(15)
        .anySatisfy(c -> assertThat(c).startsWith("cnm serve store --backend etcd --etcd-endpoints https://"))
        .anySatisfy(c -> assertThat(c).startsWith("cnm certs issue --dir pki --kind admin"));
    for (DocCommand command : commands) {
      List<String> args = new ArrayList<>(words(OPTIONAL.matcher(command.text()).replaceAll("$1")));
      args.remove(0); // "cnm"
      args.removeIf("..."::equals);
      assertThatCode(() -> {
        try {
          Cnm.commandLine().parseArgs(args.toArray(String[]::new));
        } catch (picocli.CommandLine.MissingParameterException e) {
          if (!command.inline()) {
            throw e;
          }
          // prose naming a command ("see `cnm node inspect`"): its words exist, arguments are elsewhere
        }
      }).as("docs/operations.md: %s", command.text()).doesNotThrowAnyException();
    }
  }

  @Test
  void parse_unknownFlag_isCaught() {
    List<String> args = words("certs issue --dir pki --kind node --name n1 --colour blue");
    assertThatCode(() -> Cnm.commandLine().parseArgs(args.toArray(String[]::new)))
        .isInstanceOf(picocli.CommandLine.UnmatchedArgumentException.class);
  }
}
