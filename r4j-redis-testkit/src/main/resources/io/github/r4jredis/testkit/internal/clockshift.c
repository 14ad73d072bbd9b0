/*
 * Preloaded into a redis-server (LD_PRELOAD) to run it on a wall clock that is off by
 * R4J_CLOCK_SHIFT_MS milliseconds: a server whose clock is wrong, as a failover can bring.
 * Only the wall clock moves (CLOCK_REALTIME, gettimeofday, time); the monotonic clocks Redis
 * measures timeouts with do not. libfaketime does this in general but recurses into itself
 * under Debian's jemalloc-linked redis-server 7.0 and aborts it at start; reading the clock
 * with the raw system call avoids looking up the real functions at all.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long shift_nanos(void) {
  static int known = 0;
  static long long nanos = 0;
  if (!known) {
    const char *value = getenv("R4J_CLOCK_SHIFT_MS");
    nanos = value == NULL ? 0 : atoll(value) * 1000000LL;
    known = 1;
  }
  return nanos;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  int result = (int) syscall(SYS_clock_gettime, id, ts);
  if (result == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
    long long t = (long long) ts->tv_sec * 1000000000LL + ts->tv_nsec + shift_nanos();
    ts->tv_sec = (time_t) (t / 1000000000LL);
    ts->tv_nsec = (long) (t % 1000000000LL);
  }
  return result;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void) tz;
  struct timespec ts;
  int result = clock_gettime(CLOCK_REALTIME, &ts);
  if (result == 0) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return result;
}

time_t time(time_t *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out != NULL) {
    *out = ts.tv_sec;
  }
  return ts.tv_sec;
}
