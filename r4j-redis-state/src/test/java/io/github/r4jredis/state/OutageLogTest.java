package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisConnectionException;
import org.slf4j.LoggerFactory;

class OutageLogTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger(OutageLogTest.class.getName() + ".subject");
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final OutageLog outages = new OutageLog(logger, "Queue orders drains again");

  @BeforeEach
  void capture() {
    logger.setLevel(Level.DEBUG);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
  }

  @Test
  void oneWarnPerOutageThenDebugAndOneInfoAtItsEnd() {
    RedisConnectionException down = new RedisConnectionException("Unable to connect to Redis server: 127.0.0.1/127.0.0.1:1");

    assertThat(outages.succeeded()).isFalse(); // no outage: nothing to say
    assertThat(outages.failed("Queue orders cannot drain", down)).isTrue();
    assertThat(outages.failed("Queue orders cannot drain", down)).isFalse();
    assertThat(outages.failed("Queue orders cannot drain", down)).isFalse();
    assertThat(outages.failing()).isTrue();
    assertThat(outages.succeeded()).isTrue();
    assertThat(outages.succeeded()).isFalse();
    assertThat(outages.failed("Queue orders cannot drain", down)).isTrue(); // a second outage

    assertThat(lines.list).extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG, Level.INFO, Level.WARN);
    ILoggingEvent warn = lines.list.get(0);
    assertThat(warn.getFormattedMessage()).isEqualTo("Queue orders cannot drain: " + down);
    assertThat(warn.getThrowableProxy()).isNull(); // one line, no stack trace
    assertThat(lines.list.get(1).getThrowableProxy()).isNotNull(); // the detail is at DEBUG
    assertThat(lines.list.get(3).getFormattedMessage()).isEqualTo("Queue orders drains again");
  }

  /** The failures of one outage race each other: one of them, and only one, logs the WARN. */
  @Test
  void failuresRacingInOneOutageLogOneWarnAndItsEndOneInfo() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    RuntimeException down = new RuntimeException("down");
    List<Boolean> firsts = new ArrayList<>();
    try {
      for (int outage = 0; outage < 50; outage++) {
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<Boolean>> failures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          failures.add(pool.submit(() -> {
            start.await();
            return outages.failed("cannot drain", down);
          }));
        }
        start.countDown();
        for (java.util.concurrent.Future<Boolean> f : failures) {
          firsts.add(f.get(5, TimeUnit.SECONDS));
        }
        outages.succeeded();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(firsts.stream().filter(Boolean::booleanValue)).hasSize(50);
    assertThat(lines.list.stream().filter(e -> e.getLevel() == Level.WARN)).hasSize(50);
    assertThat(lines.list.stream().filter(e -> e.getLevel() == Level.INFO)).hasSize(50);
  }
}
