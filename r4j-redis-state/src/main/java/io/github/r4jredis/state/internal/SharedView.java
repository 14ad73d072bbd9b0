package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One breaker's shared state as a script reply, a read or a pub/sub message described it.
 * Everything read from Redis passes through {@link #fromReply} or {@link #fromMessage}, which
 * refuse anything malformed: a tampered key or a forged message never becomes a state.
 *
 * @param status what the script did
 * @param state shared state
 * @param version fencing token; every transition increments it
 * @param previous state before the last transition
 * @param since Redis time of the last transition (ms)
 * @param openUntil Redis time an OPEN breaker may go HALF_OPEN (ms)
 * @param attempts consecutive opens, for the backoff
 * @param holder in HALF_OPEN the node holding the trial lease; in OPEN the node holding the
 *     reservation of the next trial episode; empty if none
 * @param holderUntil Redis time the lease or reservation lapses (ms)
 * @param halfOpenUntil Redis time a HALF_OPEN episode ends (maxWaitDurationInHalfOpenState), 0 if never
 * @param serverNow Redis time of the reply (ms, with the caller's skew); 0 for a message
 * @param calls calls in the shared window
 * @param failures failed calls in the shared window
 * @param slowCalls slow calls in the shared window
 * @param slowFailures slow failed calls in the shared window
 * @param activeNodes nodes that flushed lately
 * @param failingNodes nodes that reported failures inside the window
 * @param fingerprint fingerprint of the shared config
 * @param flags what a flush found
 * @param reason "reset" when the last transition was a reset; why a state is MISSING or CORRUPT
 * @param by node of the last transition
 * @param verified whether it comes from Redis itself (reply, read) rather than a message
 */
public record SharedView(
    Status status,
    State state,
    long version,
    State previous,
    long since,
    long openUntil,
    int attempts,
    String holder,
    long holderUntil,
    long halfOpenUntil,
    long serverNow,
    long calls,
    long failures,
    long slowCalls,
    long slowFailures,
    int activeNodes,
    int failingNodes,
    String fingerprint,
    Set<Flag> flags,
    String reason,
    String by,
    boolean verified) {

  /** The fields of a script reply, in the order of {@code REPLY} in {@code common.lua}. */
  public enum Field {
    /** {@link Status}. */
    STATUS,
    /** State name. */
    STATE,
    /** Version. */
    VERSION,
    /** Previous state. */
    PREVIOUS,
    /** Time of the last transition. */
    SINCE,
    /** OPEN deadline. */
    OPEN_UNTIL,
    /** Consecutive opens. */
    ATTEMPTS,
    /** Lease or reservation holder. */
    HOLDER,
    /** Lapse of the lease or reservation. */
    HOLDER_UNTIL,
    /** HALF_OPEN deadline. */
    HALF_OPEN_UNTIL,
    /** Redis time of the reply. */
    SERVER_NOW,
    /** Window calls. */
    CALLS,
    /** Window failures. */
    FAILURES,
    /** Window slow calls. */
    SLOW_CALLS,
    /** Window slow failures. */
    SLOW_FAILURES,
    /** Active nodes. */
    ACTIVE_NODES,
    /** Failing nodes. */
    FAILING_NODES,
    /** Config fingerprint. */
    FINGERPRINT,
    /** {@link Flag} letters. */
    FLAGS,
    /** Reason. */
    REASON,
    /** Node of the last transition. */
    BY,
    /** Redis TIME itself when the script ran (ms). */
    REDIS_TIME,
    /** The breaker's clock offset: the fleet's time is Redis TIME plus it (ms). */
    CLOCK_OFFSET;

    /** The name in the Lua table. */
    public String luaName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a script did. */
  public enum Status {
    /** Done (flush merged or not, read). */
    OK,
    /** A flush or command with a sequence already applied: nothing done again. */
    DUP,
    /** No breaker in Redis. */
    MISSING,
    /** The breaker in Redis failed validation; it is re-seeded. */
    CORRUPT,
    /** A trial lease was granted or renewed. */
    GRANTED,
    /** A claim was refused. */
    DENIED,
    /** A verdict of an episode that is over, or a command whose expected state is gone. */
    STALE,
    /** A verdict or command was applied. */
    APPLIED,
    /** A command Resilience4j's table of transitions forbids from the current state. */
    ILLEGAL,
    /** A pub/sub message: what it claims, unverified. */
    HINT,
    /** The view a breaker starts with, before Redis answered. */
    INITIAL
  }

  /** What a flush found. */
  public enum Flag {
    /** The breaker was created (seeded) by this call. */
    CREATED('C'),
    /** The flush's outcomes were merged into the window. */
    MERGED('M'),
    /** The failure rate reached its threshold. */
    FAILURE_RATE_EXCEEDED('F'),
    /** The slow call rate reached its threshold. */
    SLOW_RATE_EXCEEDED('S'),
    /** The flush opened the breaker. */
    OPENED('O'),
    /** A threshold was exceeded, but not by enough distinct nodes. */
    NO_QUORUM('Q'),
    /** The window's entries contradicted its totals (tampered with): it was emptied. */
    REPAIRED('X');

    private final char letter;

    Flag(char letter) {
      this.letter = letter;
    }

    static Set<Flag> parse(String letters) {
      Set<Flag> flags = EnumSet.noneOf(Flag.class);
      for (int i = 0; i < letters.length(); i++) {
        char c = letters.charAt(i);
        Flag found = null;
        for (Flag flag : values()) {
          if (flag.letter == c) {
            found = flag;
          }
        }
        if (found == null) {
          throw new IllegalArgumentException("unknown flag '" + c + "'");
        }
        flags.add(found);
      }
      return flags;
    }
  }

  /** Prefix of every pub/sub message this library publishes. */
  public static final String MESSAGE_TAG = "r4j1";

  private static final int MESSAGE_FIELDS = 11;
  /**
   * The longest message the scripts publish, with room to spare: an encoded name (at most
   * {@value KeySpace#MAX_NAME_LENGTH} characters, each at most 12 once percent-encoded), ten
   * fields of numbers, states, a node id and a reason.
   */
  static final int MAX_MESSAGE_LENGTH = 12 * KeySpace.MAX_NAME_LENGTH + 1024;

  /**
   * The view a breaker starts with before Redis has answered: the config's initial state at
   * version 0, held by this node when that state has a trial episode or a reservation.
   */
  public static SharedView initial(State state, String node, int attempts) {
    String holder = state == State.OPEN || state == State.HALF_OPEN ? node : "";
    return new SharedView(Status.INITIAL, state, 0, state, 0, 0, attempts, holder, 0, 0, 0, 0, 0, 0, 0,
        0, 0, "", Set.of(), "", "", false);
  }

  /** Whether the script found no valid breaker in Redis. */
  public boolean isMissing() {
    return status == Status.MISSING || status == Status.CORRUPT;
  }

  /** Whether {@code node} holds the trial lease (HALF_OPEN) or the reservation (OPEN). */
  public boolean heldBy(String node) {
    return (state == State.OPEN || state == State.HALF_OPEN) && holder.equals(node);
  }

  /**
   * Whether a start or verdict sent over version {@code base} applies to this state: it is
   * {@code base}, or the seed that wrote {@code base} back after Redis lost it (a seed keeps the
   * holder; the step of the holder continues; see seed() in common.lua).
   */
  public boolean continues(long base) {
    return version == base || version == base + 1 && "seed".equals(reason);
  }

  /**
   * Parses a script reply.
   *
   * @throws IllegalArgumentException when the reply is not one the scripts produce
   */
  public static SharedView fromReply(@Nullable List<?> reply) {
    int size = Field.values().length;
    if (reply == null || reply.size() != size) {
      throw new IllegalArgumentException(
          "reply must have " + size + " fields, had " + (reply == null ? "none" : reply.size()));
    }
    Status status = status(reply);
    long serverNow = number(reply, Field.SERVER_NOW);
    if (status == Status.MISSING || status == Status.CORRUPT) {
      return new SharedView(status, State.CLOSED, 0, State.CLOSED, 0, 0, 0, "", 0, 0, serverNow,
          0, 0, 0, 0, 0, 0, "", Set.of(), text(reply, Field.REASON), "", true);
    }
    long calls = number(reply, Field.CALLS);
    long failures = number(reply, Field.FAILURES);
    long slow = number(reply, Field.SLOW_CALLS);
    long slowFailures = number(reply, Field.SLOW_FAILURES);
    if (failures > calls || slow > calls || slowFailures > Math.min(failures, slow)) {
      throw new IllegalArgumentException("inconsistent window counts " + calls + " " + failures
          + " " + slow + " " + slowFailures);
    }
    Set<Flag> flags;
    try {
      flags = Flag.parse(text(reply, Field.FLAGS));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field " + Field.FLAGS.luaName() + ": " + e.getMessage());
    }
    return new SharedView(status, state(reply, Field.STATE), number(reply, Field.VERSION),
        state(reply, Field.PREVIOUS), number(reply, Field.SINCE), number(reply, Field.OPEN_UNTIL),
        count(reply, Field.ATTEMPTS), text(reply, Field.HOLDER), number(reply, Field.HOLDER_UNTIL),
        number(reply, Field.HALF_OPEN_UNTIL), serverNow, calls, failures, slow, slowFailures,
        count(reply, Field.ACTIVE_NODES), count(reply, Field.FAILING_NODES),
        text(reply, Field.FINGERPRINT), flags, text(reply, Field.REASON), text(reply, Field.BY), true);
  }

  /**
   * Parses a pub/sub message into an unverified view of the breaker it names.
   *
   * @return the encoded breaker name and the view
   * @throws IllegalArgumentException when the message is not one the scripts publish
   */
  public static Hint fromMessage(String message) {
    if (message.length() > MAX_MESSAGE_LENGTH) {
      // Checked before anything is split or copied: a forged message may be megabytes.
      throw new IllegalArgumentException("message of " + message.length() + " characters, at most "
          + MAX_MESSAGE_LENGTH);
    }
    String[] f = message.split("\\|", -1);
    if (f.length != MESSAGE_FIELDS || !MESSAGE_TAG.equals(f[0])) {
      throw new IllegalArgumentException("not an r4j1 message of " + MESSAGE_FIELDS + " fields");
    }
    String encodedName = f[1];
    KeySpace.decode(encodedName);
    SharedView view = new SharedView(Status.HINT, messageState(f[3], 3), messageNumber(f[2], 2),
        messageState(f[4], 4), messageNumber(f[5], 5), messageNumber(f[6], 6), 0, messageText(f[7], 7),
        messageNumber(f[8], 8), messageNumber(f[9], 9), 0, 0, 0, 0, 0, 0, 0, "", Set.of(),
        messageText(f[10], 10), "", false);
    return new Hint(encodedName, view);
  }

  /** A message's breaker and its claimed state. */
  public record Hint(String encodedName, SharedView view) {}

  /**
   * The clock a script ran on: Redis TIME and the breaker's offset (the fleet's time is their
   * sum, before the script held it back to the caller's bound).
   */
  public record ReplyClock(long redisTime, long offset) {

    /** Redis TIME plus the offset. */
    public long fleetTime() {
      return redisTime + offset;
    }
  }

  /**
   * The clock of a script reply that {@link #fromReply} accepted.
   *
   * @throws IllegalArgumentException when its clock fields are not numbers
   */
  public static ReplyClock clockOf(List<?> reply) {
    String offset = text(reply, Field.CLOCK_OFFSET);
    try {
      return new ReplyClock(number(reply, Field.REDIS_TIME), Long.parseLong(offset));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("field clock_offset is not a number: " + KeySpace.printable(offset, 40));
    }
  }

  private static Status status(List<?> reply) {
    String text = text(reply, Field.STATUS);
    try {
      Status status = Status.valueOf(text);
      if (status == Status.HINT || status == Status.INITIAL) {
        throw new IllegalArgumentException(text);
      }
      return status;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field status is not a status: " + KeySpace.printable(text, 40));
    }
  }

  private static String text(List<?> reply, Field field) {
    Object value = reply.get(field.ordinal());
    return value == null ? "" : limited(value.toString(), field.luaName());
  }

  private static String limited(String text, String name) {
    if (text.length() > 512) {
      throw new IllegalArgumentException("field " + name + " is too long");
    }
    return text;
  }

  private static long number(List<?> reply, Field field) {
    Object value = reply.get(field.ordinal());
    if (value instanceof Long l) {
      return requireNonNegative(l, field.luaName());
    }
    return parseNumber(text(reply, field), field.luaName());
  }

  private static int count(List<?> reply, Field field) {
    return (int) Math.min(Integer.MAX_VALUE, number(reply, field));
  }

  private static long parseNumber(String text, String name) {
    try {
      return requireNonNegative(Long.parseLong(text), name);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("field " + name + " is not a number: " + KeySpace.printable(text, 40));
    }
  }

  private static long requireNonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException("field " + name + " is negative: " + value);
    }
    return value;
  }

  private static State state(List<?> reply, Field field) {
    return parseState(text(reply, field), field.luaName());
  }

  private static State parseState(String text, String name) {
    try {
      return State.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field " + name + " is not a state: " + KeySpace.printable(text, 40));
    }
  }

  private static String messageText(String text, int index) {
    return limited(text, "message field " + index);
  }

  private static long messageNumber(String text, int index) {
    return parseNumber(limited(text, "message field " + index), "message field " + index);
  }

  private static State messageState(String text, int index) {
    return parseState(limited(text, "message field " + index), "message field " + index);
  }
}
