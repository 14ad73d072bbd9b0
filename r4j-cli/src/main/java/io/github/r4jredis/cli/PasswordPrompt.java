package io.github.r4jredis.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import org.jspecify.annotations.Nullable;

/**
 * How {@code --password} is read: never echoed, and never written to stdout, which holds only the
 * answer ({@code r4j status --password --json | jq} must print JSON alone).
 *
 * <p>On a console (stdin and stdout both a terminal) Java's own {@link Console#readPassword}. With
 * stdout piped but a terminal still there, the terminal itself ({@code /dev/tty}, echo turned off
 * with {@code stty} and back on after, also at Ctrl-C). With stdin not a terminal (a script, a
 * pipe or a file into stdin), the first line of standard input, without a prompt. Picocli's own interactive
 * options echo and prompt on stdout once {@code System.console()} is null, hence this class.
 */
final class PasswordPrompt {

  private static final File TTY = new File("/dev/tty");

  private final BufferedReader in;
  private final boolean terminal;

  private PasswordPrompt(BufferedReader in, boolean terminal) {
    this.in = in;
    this.terminal = terminal;
  }

  /** The process's own console or terminal when it has one, else {@code in} (standard input). */
  static PasswordPrompt ofProcess(BufferedReader in) {
    return new PasswordPrompt(in, true);
  }

  /** Only {@code in}: for the CLI run inside another program or a test, which has no terminal of its own. */
  static PasswordPrompt of(BufferedReader in) {
    return new PasswordPrompt(in, false);
  }

  /**
   * The password typed or piped in.
   *
   * @throws IOException when input ends before a line, or the terminal's echo cannot be turned off
   */
  String read(String prompt) throws IOException {
    String password = terminal ? fromTerminal(prompt) : null;
    if (password == null) {
      password = in.readLine();
    }
    if (password == null) {
      throw new IOException("--password: standard input ended before a password line");
    }
    return password;
  }

  /** The password from the console or {@code /dev/tty}; null when the process has neither. */
  private static @Nullable String fromTerminal(String prompt) throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword("%s", prompt);
      if (typed == null) {
        throw new IOException("--password: the terminal closed before a password line");
      }
      return new String(typed);
    }
    if (!stdinIsTerminal()) {
      return null; // r4j status --password < secret-file: the file, even from an interactive shell
    }
    FileOutputStream ttyOut;
    try {
      ttyOut = new FileOutputStream(TTY);
    } catch (FileNotFoundException noTerminal) { // no controlling terminal, or not a Unix
      return null;
    }
    try (ttyOut; FileInputStream ttyIn = new FileInputStream(TTY)) {
      if (!stty("-echo")) {
        throw new IOException("--password: cannot turn off the terminal's echo (stty -echo failed);"
            + " set $" + ConnectionOptions.PASSWORD_ENV + " instead");
      }
      Thread restore = new Thread(() -> stty("echo"), "r4j-restore-echo"); // Ctrl-C at the prompt
      Runtime.getRuntime().addShutdownHook(restore);
      try {
        ttyOut.write(prompt.getBytes(Charset.defaultCharset()));
        ttyOut.flush();
        String line = new BufferedReader(new InputStreamReader(ttyIn, Charset.defaultCharset())).readLine();
        if (line == null) {
          throw new IOException("--password: the terminal closed before a password line");
        }
        return line;
      } finally {
        stty("echo");
        Runtime.getRuntime().removeShutdownHook(restore);
        ttyOut.write(System.lineSeparator().getBytes(Charset.defaultCharset())); // the Enter not echoed
        ttyOut.flush();
      }
    }
  }

  /** Whether this process's stdin is a terminal: {@code stty} on it succeeds only then. */
  private static boolean stdinIsTerminal() {
    return stty(ProcessBuilder.Redirect.INHERIT, "-g");
  }

  /** Runs {@code stty} on the terminal; whether it succeeded. */
  private static boolean stty(String setting) {
    return stty(ProcessBuilder.Redirect.from(TTY), setting);
  }

  /** Runs {@code stty setting} with {@code terminal} as its stdin (the device it acts on). */
  private static boolean stty(ProcessBuilder.Redirect terminal, String setting) {
    try {
      Process stty = new ProcessBuilder("stty", setting)
          .redirectInput(terminal)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      return stty.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
