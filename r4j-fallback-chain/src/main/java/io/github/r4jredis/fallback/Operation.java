package io.github.r4jredis.fallback;

import java.util.Objects;
import java.util.UUID;

/**
 * Something that changes the world (create a booking, send a webhook) and must not be lost:
 * its name selects the handler that can run it again, the payload is what it needs, the
 * idempotency key makes a second copy of it a no-op.
 *
 * <p>Immutable and thread-safe when the payload is.
 *
 * @param <P> the payload type
 */
public final class Operation<P> {

  private final String name;
  private final P payload;
  private final String idempotencyKey;
  private final boolean critical;
  private final boolean reviewOnFailure;

  private Operation(String name, P payload, String idempotencyKey, boolean critical, boolean reviewOnFailure) {
    this.name = name;
    this.payload = payload;
    this.idempotencyKey = idempotencyKey;
    this.critical = critical;
    this.reviewOnFailure = reviewOnFailure;
  }

  /**
   * An operation with a random idempotency key (give your own with
   * {@link #withIdempotencyKey} so that a client's retry is recognised as the same operation).
   *
   * @throws IllegalArgumentException unless the name is 1-100 of {@code [A-Za-z0-9._:-]}
   */
  public static <P> Operation<P> of(String name, P payload) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    if (!name.matches("[A-Za-z0-9._:-]{1,100}")) {
      throw new IllegalArgumentException("operation name must be 1-100 of [A-Za-z0-9._:-], was '" + name + "'");
    }
    return new Operation<>(name, payload, UUID.randomUUID().toString(), false, false);
  }

  /**
   * The same operation with this idempotency key: 1-200 printable characters without '|'.
   *
   * @throws IllegalArgumentException otherwise
   */
  public Operation<P> withIdempotencyKey(String key) {
    Objects.requireNonNull(key, "idempotencyKey");
    if (key.isEmpty() || key.length() > 200 || key.indexOf('|') >= 0 || key.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "idempotencyKey must be 1-200 printable characters without '|', was '" + key + "'");
    }
    return new Operation<>(name, payload, key, critical, reviewOnFailure);
  }

  /** The same operation, critical: when its retries run out it goes to manual review, not to the dead letters. */
  public Operation<P> critical() {
    return new Operation<>(name, payload, idempotencyKey, true, reviewOnFailure);
  }

  /**
   * The same operation, never retried automatically: when its first attempt fails it goes to
   * manual review at once (a refund, say, that a person should look at).
   */
  public Operation<P> reviewOnFailure() {
    return new Operation<>(name, payload, idempotencyKey, true, true);
  }

  /** The name its handler is registered under. */
  public String name() {
    return name;
  }

  /** What the handler needs. */
  public P payload() {
    return payload;
  }

  /** Two operations with the same key are the same operation. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Whether it goes to manual review when retries run out. */
  public boolean isCritical() {
    return critical;
  }

  /** Whether it goes to manual review at its first failure, without automatic retries. */
  public boolean isReviewOnFailure() {
    return reviewOnFailure;
  }

  @Override
  public String toString() {
    return "Operation[" + name + ", key=" + idempotencyKey + (critical ? ", critical" : "")
        + (reviewOnFailure ? ", review on failure" : "") + "]";
  }
}
