package io.github.r4jredis.fallback;

import java.time.Duration;

/**
 * How full a retry queue is.
 *
 * @param ready operations on the stream, waiting for a worker (or being worked on)
 * @param delayed operations waiting for their next attempt
 * @param oldestAge age of the oldest ready or delayed operation; zero when empty
 * @param deadLetters operations in the dead letters
 * @param reviewBacklog operations waiting for a person
 */
public record QueueStats(long ready, long delayed, Duration oldestAge, long deadLetters, long reviewBacklog) {

  /** Operations not done yet and not given up: ready plus delayed. */
  public long depth() {
    return ready + delayed;
  }
}
