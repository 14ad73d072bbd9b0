package io.github.r4jredis.state.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.redisson.connection.CRC16;

/**
 * Where a breaker's data lives in Redis. Every key of one breaker is
 * {@code <prefix>:{<encoded name>}:<part>}: the braces make the encoded name a Redis Cluster
 * hash tag, so all of a breaker's keys share a slot and one script can touch them all.
 *
 * <p>Names are percent-encoded (UTF-8) except for {@code [A-Za-z0-9._-]}, so no name can put a
 * brace, colon, space or newline into a key: {@code a}:{b} becomes {@code a%7D%3A%7Bb}, and two
 * different names never share a key. Immutable and thread-safe.
 */
public final class KeySpace {

  /** Longest breaker name accepted, in characters. */
  public static final int MAX_NAME_LENGTH = 200;

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final String prefix;

  private KeySpace(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The key space under {@code prefix}.
   *
   * @throws IllegalArgumentException unless the prefix is 1-64 of {@code [A-Za-z0-9._-]}
   */
  public static KeySpace of(String prefix) {
    return new KeySpace(requirePrefix("keyPrefix", prefix));
  }

  /**
   * Checks a key prefix: every module's keys (breakers, queues, caches, probes, SLOs) live under
   * the same prefix, so one rule, reported under the setting's own name {@code field}.
   *
   * @throws IllegalArgumentException unless the prefix is 1-64 of {@code [A-Za-z0-9._-]}
   */
  public static String requirePrefix(String field, String prefix) {
    Objects.requireNonNull(prefix, field);
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          field + " must be 1-64 of [A-Za-z0-9._-], was '" + printable(prefix, 80) + "'");
    }
    return prefix;
  }

  /** The prefix every key and channel starts with. */
  public String prefix() {
    return prefix;
  }

  /**
   * The encoded form of a breaker name, as it appears between the braces.
   *
   * @throws IllegalArgumentException for an empty name, one longer than
   *     {@value #MAX_NAME_LENGTH} characters, or one with control characters
   */
  public static String encode(String name) {
    requireValidName(name);
    StringBuilder encoded = new StringBuilder(name.length() + 8);
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-') {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return encoded.toString();
  }

  /**
   * The breaker name an encoded form stands for.
   *
   * @throws IllegalArgumentException when {@code encoded} is not something {@link #encode}
   *     produces (tampered keys are refused, never guessed at)
   */
  public static String decode(String encoded) {
    Objects.requireNonNull(encoded, "encoded");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c != '%') {
        bytes.write(c);
        continue;
      }
      int hi = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
      int lo = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        throw notEncoded(encoded);
      }
      bytes.write(hi << 4 | lo);
      i += 2;
    }
    String name = bytes.toString(StandardCharsets.UTF_8);
    try {
      // Only the canonical encoding of a valid name is accepted: re-encoding must give it back.
      if (encode(name).equals(encoded)) {
        return name;
      }
    } catch (IllegalArgumentException invalidName) {
      // falls through
    }
    throw notEncoded(encoded);
  }

  private static IllegalArgumentException notEncoded(String encoded) {
    return new IllegalArgumentException("not an encoded breaker name: '" + printable(encoded, 80) + "'");
  }

  /**
   * Checks a breaker name.
   *
   * @throws NullPointerException when {@code name} is null
   * @throws IllegalArgumentException for an empty name, one longer than
   *     {@value #MAX_NAME_LENGTH} characters, one with control characters or unpaired surrogates
   */
  public static void requireValidName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("circuit breaker name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "circuit breaker name must be at most " + MAX_NAME_LENGTH + " characters, was "
              + name.length() + " characters starting '" + printable(name, 40) + "'");
    }
    if (name.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "circuit breaker name must not contain control characters, was '" + printable(name, 80) + "'");
    }
    if (name.codePoints().anyMatch(KeySpace::invisible)) {
      // U+202E turns the rest of a log line around, U+200B makes two names look alike, U+2028
      // breaks a line: a name is shown in logs, metrics and dashboards.
      throw new IllegalArgumentException("circuit breaker name must not contain invisible, direction-changing or"
          + " line-breaking characters, was '" + printable(name, 80) + "'");
    }
    // An unpaired surrogate has no UTF-8 form: it would be encoded as '?' and two names would
    // share one breaker's keys.
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean paired = Character.isHighSurrogate(c)
          ? i + 1 < name.length() && Character.isLowSurrogate(name.charAt(++i))
          : !Character.isLowSurrogate(c);
      if (!paired) {
        throw new IllegalArgumentException(
            "circuit breaker name must be valid Unicode, has an unpaired surrogate in '" + printable(name, 80) + "'");
      }
    }
  }

  /** The hash tag of a breaker: {@code <prefix>:{<encoded name>}}. */
  public String breaker(String name) {
    return prefix + ":{" + encode(name) + "}";
  }

  /** The breaker's state hash: state, version, deadlines, trial lease. */
  public String stateKey(String name) {
    return breaker(name) + ":state";
  }

  /** The breaker's shared COUNT_BASED window: runs of outcomes, oldest first. */
  public String windowKey(String name) {
    return breaker(name) + ":window";
  }

  /** The breaker's shared TIME_BASED window: counts per second. */
  public String bucketsKey(String name) {
    return breaker(name) + ":buckets";
  }

  /** Per node: last flush sequence merged (a re-sent flush is merged once), last flush, last failure. */
  public String nodesKey(String name) {
    return breaker(name) + ":nodes";
  }

  /**
   * KEYS of every script call for the breaker whose encoded name is given: state, nodes,
   * window, buckets, in the order the scripts expect.
   */
  public List<Object> scriptKeys(String encodedName) {
    String tag = prefix + ":{" + encodedName + "}";
    return List.of(tag + ":state", tag + ":nodes", tag + ":window", tag + ":buckets");
  }

  /**
   * The Redis Cluster hash slot of a breaker's keys (the slot of the encoded name between their
   * braces): calls of one script for breakers of one slot may share a script call.
   */
  public static int slot(String encodedName) {
    return CRC16.crc16(encodedName.getBytes(StandardCharsets.UTF_8)) % 16384;
  }

  /** The set of every breaker name (encoded) ever created under this prefix. */
  public String indexKey() {
    return prefix + ":breakers";
  }

  /**
   * A node's heartbeat: written by every pipeline of the node's sync thread (and expiring a
   * minute later), so that a Redis that answers but refuses writes counts as down.
   */
  public String heartbeatKey(String nodeId) {
    return prefix + ":node:" + encode(nodeId);
  }

  /** The channel state changes are published on (single server, Sentinel). */
  public String channel() {
    return prefix + ":events";
  }

  /**
   * The shard channel of one breaker (Redis Cluster): in the hash slot of its keys, so that its
   * scripts may SPUBLISH on it and its news stays on the shard that holds it.
   */
  public String shardChannel(String encodedName) {
    return prefix + ":{" + encodedName + "}:events";
  }

  /**
   * A pattern matching every shard channel under this prefix and nothing else (no encoded name
   * holds a glob character, no prefix a brace): where Redis has no shard channels (before 7.0).
   */
  public String shardChannelPattern() {
    return prefix + ":{*}:events";
  }

  /** Format characters (U+200B, U+202E, U+FEFF...) and line or paragraph separators (U+2028/9). */
  private static boolean invisible(int codePoint) {
    int type = Character.getType(codePoint);
    return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * A name shortened, with control, invisible and line-breaking characters and unpaired
   * surrogates escaped ({@code \u202e}): safe to put in a message or log.
   */
  public static String printable(String text, int max) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(max).forEach(cp -> {
      if (Character.isISOControl(cp) || invisible(cp) || Character.getType(cp) == Character.SURROGATE) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    if (text.codePointCount(0, text.length()) > max) {
      out.append("...");
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "KeySpace[" + prefix + "]";
  }
}
