package io.github.r4jredis.state.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisTimeoutException;

/**
 * The error replies that mean Redis is not doing the work (it refuses writes, or anything at
 * all), whatever the call: a node seeing them is as cut off as one that gets no answer. Redisson
 * wraps them; the code is looked for along the causes.
 */
final class Refusals {

  /** The codes, as Redis starts its error replies with them. */
  static final List<String> CODES = List.of("OOM", "READONLY", "MISCONF", "NOPERM", "WRONGPASS", "NOAUTH",
      "BUSY", "LOADING", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "NOREPLICAS", "NOSCRIPT");

  /** How Redis 7 words a permission a script's user lacks (a key or channel of its ACL). */
  private static final String SCRIPT_NOPERM = "ERR The user executing the script can't";

  private Refusals() {}

  /** The refusal's code in {@code error} or its causes, or null when it is no refusal. */
  static @Nullable String code(Throwable error) {
    Throwable refusing = refusing(error);
    return refusing == null ? null : codeOf(refusing);
  }

  /** Whether Redis did not know a script (restarted, or its cache flushed). */
  static boolean isNoScript(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code error} says Redis gave no answer (in time, or at all: the call may never have
   * reached it), rather than an answer that was an error. A pipeline answered in part fails the
   * calls after the deadline this way: the pipeline timed out, no script failed.
   */
  static boolean isNoAnswer(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RedisTimeoutException || t instanceof RedisConnectionException) {
        return true;
      }
    }
    return false;
  }

  /**
   * What a refusal means, for a log line or an exception: a client Redis does not let in
   * (WRONGPASS, NOAUTH) or whose ACL user lacks a permission (NOPERM) is named as such, since no
   * wait fixes it; other refusals as Redis refusing the work.
   */
  static String describe(Throwable error) {
    String code = code(error);
    String line = firstLine(error);
    if ("WRONGPASS".equals(code) || "NOAUTH".equals(code)) {
      return "Redis refuses this client's credentials (" + line + "): check the user and password the client connects with";
    }
    if ("NOPERM".equals(code)) {
      return "Redis refuses this client's user the command (" + line + "): check its ACL (docs/reliability.md gives the rule)";
    }
    return "Redis refuses the work: " + line;
  }

  /** The first line of the refusal (or error) Redis answered, without Redisson's additions. */
  static String firstLine(Throwable error) {
    Throwable t = refusing(error);
    if (t == null) {
      t = error;
    }
    String message = (t instanceof RedisOutOfMemoryException ? "OOM " : "") + t.getMessage();
    int cut = message.indexOf(". channel:"); // Redisson appends the connection and the command
    if (cut > 0) {
      message = message.substring(0, cut);
    }
    message = message.lines().findFirst().orElse("");
    return message.length() > 160 ? message.substring(0, 160) + "..." : message;
  }

  private static @Nullable Throwable refusing(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (codeOf(t) != null) {
        return t;
      }
    }
    return null;
  }

  private static @Nullable String codeOf(Throwable t) {
    if (t instanceof RedisOutOfMemoryException) {
      return "OOM"; // Redisson cuts the code off its message
    }
    String message = t.getMessage() == null ? "" : t.getMessage().stripLeading();
    if (message.startsWith(SCRIPT_NOPERM)) {
      return "NOPERM"; // an ACL refusal inside a script comes back as ERR
    }
    for (String code : CODES) {
      if (message.startsWith(code) && (message.length() == code.length()
          || !Character.isLetterOrDigit(message.charAt(code.length())))) {
        return code;
      }
    }
    return null;
  }
}
