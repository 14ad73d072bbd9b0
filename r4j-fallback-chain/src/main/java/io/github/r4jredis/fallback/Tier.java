package io.github.r4jredis.fallback;

/** Which tier of a fallback chain answered, in the order the chain tries them. */
public enum Tier {
  /** The protected call itself succeeded: a fresh answer. */
  PRIMARY,
  /** The last known good value, from the local or fleet-shared cache: a stale answer. */
  STALE_CACHE,
  /** A write was queued durably and will be retried: accepted, not yet done. */
  QUEUED,
  /** A critical operation went to the manual review stream: a person will finish it. */
  MANUAL_REVIEW,
  /** No tier could answer: the caller gets a user-presentable failure. */
  FAILED
}
