package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One breaker's shared state as a script reply, a read or a pub/sub message described it.
 * Everything read from Redis passes through {@link #fromReply} or {@link #fromMessage}, which
 * refuse anything malformed: a tampered key or a forged message never becomes a state.
 *
 * @param status script status (OK, DUP, MISSING, GRANTED, DENIED, STALE, APPLIED, ILLEGAL, HINT)
 * @param state shared state
 * @param version fencing token; every transition increments it
 * @param previous state before the last transition
 * @param since Redis time of the last transition (ms)
 * @param openUntil Redis time an OPEN breaker may go HALF_OPEN (ms)
 * @param attempts consecutive opens, for the backoff
 * @param leaseHolder node holding the HALF_OPEN probe lease, empty if none
 * @param leaseUntil Redis time the lease expires (ms)
 * @param halfOpenUntil Redis time a HALF_OPEN episode ends (maxWaitDurationInHalfOpenState), 0 if never
 * @param serverNow Redis time of the reply (ms); 0 for a message
 * @param calls calls in the shared window
 * @param failures failed calls in the shared window
 * @param slowCalls slow calls in the shared window
 * @param slowFailures slow failed calls in the shared window
 * @param activeNodes nodes that flushed lately
 * @param failingNodes nodes that reported failures inside the window
 * @param fingerprint fingerprint of the shared config
 * @param flags F/S: failure/slow-call rate exceeded at this flush; O: opened by it; Q: no quorum
 * @param reason "reset" when the last transition was a reset
 * @param verified whether it comes from Redis itself (reply, read) rather than a message
 */
public record SharedView(
    String status,
    State state,
    long version,
    State previous,
    long since,
    long openUntil,
    int attempts,
    String leaseHolder,
    long leaseUntil,
    long halfOpenUntil,
    long serverNow,
    long calls,
    long failures,
    long slowCalls,
    long slowFailures,
    int activeNodes,
    int failingNodes,
    String fingerprint,
    String flags,
    String reason,
    boolean verified) {

  /** Number of fields of a script reply. */
  public static final int REPLY_FIELDS = 22;

  /** Prefix of every pub/sub message this library publishes. */
  public static final String MESSAGE_TAG = "r4j1";

  private static final int MESSAGE_FIELDS = 11;

  /** The view a breaker starts with before Redis has answered: CLOSED, version 0. */
  public static SharedView initial() {
    return new SharedView("INITIAL", State.CLOSED, 0, State.CLOSED, 0, 0, 0, "", 0, 0, 0, 0, 0, 0, 0,
        0, 0, "", "", "", false);
  }

  /** Whether the script found no (valid) breaker in Redis. */
  public boolean isMissing() {
    return "MISSING".equals(status);
  }

  /**
   * Parses a script reply.
   *
   * @throws IllegalArgumentException when the reply is not one the scripts produce
   */
  public static SharedView fromReply(@Nullable List<?> reply) {
    if (reply == null || reply.size() != REPLY_FIELDS) {
      throw new IllegalArgumentException(
          "reply must have " + REPLY_FIELDS + " fields, had " + (reply == null ? "none" : reply.size()));
    }
    String status = text(reply, 0);
    long serverNow = number(reply, 10);
    if ("MISSING".equals(status)) {
      return new SharedView(status, State.CLOSED, 0, State.CLOSED, 0, 0, 0, "", 0, 0, serverNow,
          0, 0, 0, 0, 0, 0, "", text(reply, 1), "", true);
    }
    long calls = number(reply, 11);
    long failures = number(reply, 12);
    long slow = number(reply, 13);
    long slowFailures = number(reply, 14);
    if (failures > calls || slow > calls || slowFailures > Math.min(failures, slow)) {
      throw new IllegalArgumentException("inconsistent window counts " + reply.subList(11, 15));
    }
    return new SharedView(status, state(reply, 1), number(reply, 2), state(reply, 3), number(reply, 4),
        number(reply, 5), (int) Math.min(Integer.MAX_VALUE, number(reply, 6)), text(reply, 7),
        number(reply, 8), number(reply, 9), serverNow, calls, failures, slow, slowFailures,
        (int) Math.min(Integer.MAX_VALUE, number(reply, 15)),
        (int) Math.min(Integer.MAX_VALUE, number(reply, 16)), text(reply, 17), text(reply, 18),
        text(reply, 21), true);
  }

  /**
   * Parses a pub/sub message into an unverified view of the breaker it names.
   *
   * @return the encoded breaker name and the view
   * @throws IllegalArgumentException when the message is not one the scripts publish
   */
  public static Hint fromMessage(String message) {
    String[] f = message.split("\\|", -1);
    if (f.length != MESSAGE_FIELDS || !MESSAGE_TAG.equals(f[0])) {
      throw new IllegalArgumentException("not an r4j1 message of " + MESSAGE_FIELDS + " fields");
    }
    String encodedName = f[1];
    KeySpace.decode(encodedName);
    List<String> parts = List.of(f);
    SharedView view = new SharedView("HINT", state(parts, 3), number(parts, 2), state(parts, 4),
        number(parts, 5), number(parts, 6), 0, f[7], number(parts, 8), number(parts, 9), 0, 0, 0, 0,
        0, 0, 0, "", "", f[10], false);
    return new Hint(encodedName, view);
  }

  /** A message's breaker and its claimed state. */
  public record Hint(String encodedName, SharedView view) {}

  private static String text(List<?> reply, int index) {
    Object value = reply.get(index);
    if (value == null) {
      return "";
    }
    String text = value.toString();
    if (text.length() > 512) {
      throw new IllegalArgumentException("field " + index + " is too long");
    }
    return text;
  }

  private static long number(List<?> reply, int index) {
    Object value = reply.get(index);
    if (value instanceof Long l) {
      return requireNonNegative(l, index);
    }
    try {
      return requireNonNegative(Long.parseLong(text(reply, index)), index);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("field " + index + " is not a number: " + KeySpace.printable(text(reply, index), 40));
    }
  }

  private static long requireNonNegative(long value, int index) {
    if (value < 0) {
      throw new IllegalArgumentException("field " + index + " is negative: " + value);
    }
    return value;
  }

  private static State state(List<?> reply, int index) {
    String text = text(reply, index);
    try {
      return State.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field " + index + " is not a state: " + KeySpace.printable(text, 40));
    }
  }
}
