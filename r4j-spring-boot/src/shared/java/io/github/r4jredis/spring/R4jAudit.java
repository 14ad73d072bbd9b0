package io.github.r4jredis.spring;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of the operators' actions ({@code POST /api/resilience/{name}/reset} and
 * {@code /force-open}), on the {@value #LOGGER} logger: one line per action, refused or done.
 *
 * <p>A line is {@code key="value"} pairs, every value quoted, with {@code \}, {@code "} and
 * control characters escaped: a breaker or user name holding {@code " outcome=CLOSED} or a line
 * break cannot forge a field or a line.
 *
 * <pre>
 * action="reset" breaker="calcom" user="operator" from="10.0.3.7" outcome="CLOSED" version="12"
 * action="reset" breaker="calcom" user="viewer" from="10.0.3.7" outcome="refused" reason="not authorized"
 * </pre>
 *
 * <p>Spring Security refuses requests before they reach the controller: {@link R4jSecurityAudit}
 * hears its refusals and writes them here.
 */
final class R4jAudit {

  /** The logger of the audit trail. */
  static final String LOGGER = "io.github.r4jredis.audit";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** An action refused: {@code user} null for none. */
  static void refused(String action, String breaker, @Nullable String user, String from, String reason) {
    LOG.warn(line("action", action, "breaker", breaker, "user", user == null ? "anonymous" : user, "from", from,
        "outcome", "refused", "reason", reason));
  }

  /** An action that failed (Redis did not answer, Resilience4j forbids the transition, ...). */
  static void failed(String action, String breaker, String user, String from, String why) {
    LOG.warn(line("action", action, "breaker", breaker, "user", user, "from", from, "outcome", "failed",
        "reason", why));
  }

  /** An action on a breaker Redis does not have. */
  static void notFound(String action, String breaker, String user, String from) {
    LOG.info(line("action", action, "breaker", breaker, "user", user, "from", from, "outcome", "not found"));
  }

  /** An action done: the breaker's state and version after it. */
  static void done(String action, String breaker, String user, String from, String state, long version) {
    LOG.info(line("action", action, "breaker", breaker, "user", user, "from", from, "outcome", state,
        "version", Long.toString(version)));
  }

  /** {@code key="value"} pairs, separated by spaces, every value {@linkplain #quote quoted}. */
  static String line(String... keysAndValues) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (i > 0) {
        line.append(' ');
      }
      line.append(keysAndValues[i]).append('=').append(quote(keysAndValues[i + 1]));
    }
    return line.toString();
  }

  /** {@code value} in double quotes, with {@code \}, {@code "} and control characters escaped. */
  static String quote(@Nullable String value) {
    if (value == null) {
      return "\"\"";
    }
    StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            quoted.append(String.format("\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }
}
