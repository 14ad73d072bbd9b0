package io.github.r4jredis.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.MutableClock;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** A worker killed with SIGKILL, Redis killed and restarted: nothing queued is lost. */
@Tag("fault")
@RedisTest
class RetryQueueFaultIT {

  private static final Duration AWAIT = Duration.ofSeconds(30);

  @Test
  void aKilledWorkersOperationsAreFinishedByAnotherNodeAndItsDuplicateIsSuppressed(
      RedisServer redis, @KeyPrefix String prefix) throws Exception {
    int operations = 200;
    RedissonClient client = redis.newRedisson();
    Process worker = null;
    try (RetryQueue web = RetryQueue.builder(client, "mail").keyPrefix(prefix).drainInterval(Duration.ZERO)
        .meterRegistry(new SimpleMeterRegistry()).build()) {
      for (int i = 0; i < operations; i++) {
        web.enqueue(Operation.of("send-email", "user" + i + "@example.com").withIdempotencyKey("mail-" + i));
      }

      Path log = Files.createTempFile("queue-worker", ".log");
      worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), QueueWorker.class.getName(),
          redis.address(), prefix, "mail-7")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Process started = worker;
      await().atMost(AWAIT).failFast(() -> !started.isAlive())
          .until(() -> client.getBucket(prefix + ":hung", StringCodec.INSTANCE).isExists());
      // The worker read a batch of 50: it finished 7, hangs in the 8th after sending it, holds 42 more.
      long held = client.getStream(prefix + ":fb:{mail}:stream", StringCodec.INSTANCE).getPendingInfo("workers").getTotal();
      assertThat(held).isEqualTo(43);

      worker.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, nothing acknowledged
      Files.deleteIfExists(log);

      try (RetryQueue survivor = RetryQueue.builder(client, "mail").keyPrefix(prefix).nodeId("survivor")
          .claimAfter(Duration.ofMillis(500)).drainInterval(Duration.ofMillis(50))
          .meterRegistry(new SimpleMeterRegistry()).build()
          .register("send-email", PayloadCodec.text(), QueueWorker.handler(client, prefix))) {
        await().atMost(AWAIT).until(() -> survivor.stats().depth() == 0);
      }
      long runs = client.getAtomicLong(prefix + ":runs").get();
      int sent = client.getSet(prefix + ":sent", StringCodec.INSTANCE).size();
      System.out.printf("FIGURE retry queue, worker JVM kill -9: it held %d operations: %d of %d sent, %d runs (%d duplicate suppressed)%n",
          held, sent, operations, runs, runs - sent);
      assertThat(sent).as("lost").isEqualTo(operations);
      assertThat(runs).as("mail-7 ran twice: on the killed worker and on the survivor").isEqualTo(operations + 1);
      assertThat(web.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 0, 0));
    } finally {
      if (worker != null) {
        worker.destroyForcibly();
      }
      client.shutdown();
    }
  }

  @Test
  void redisKilledAndRestartedWithItsAppendOnlyFileLosesNothing(
      @Dedicated(appendOnly = true) RedisServer redis, @KeyPrefix String prefix) {
    MutableClock clock = new MutableClock();
    Set<String> done = ConcurrentHashMap.newKeySet();
    AtomicBoolean down = new AtomicBoolean(true);
    RedissonClient client = redis.newRedisson();
    try (RetryQueue queue = RetryQueue.builder(client, "mail").keyPrefix(prefix).drainInterval(Duration.ZERO)
        .batchSize(1000).clock(clock).meterRegistry(new SimpleMeterRegistry())
        .retryPolicy(RetryPolicy.builder().maxAttempts(10).randomization(0).build()).build()) {
      queue.register("send-email", PayloadCodec.text(), (address, ctx) -> {
        if (down.get() && address.hashCode() % 2 == 0) {
          throw new IOException("mail server down");
        }
        done.add(ctx.idempotencyKey());
      });
      for (int i = 0; i < 300; i++) {
        Operation<String> mail = Operation.of("send-email", "user" + i + "@example.com").withIdempotencyKey("mail-" + i);
        queue.enqueue(i % 10 == 0 ? mail.reviewOnFailure() : mail);
      }
      queue.drain(); // some sent, some waiting for a retry, some under review
      for (int i = 300; i < 400; i++) {
        queue.enqueue(Operation.of("send-email", "late" + i + "@example.com").withIdempotencyKey("mail-" + i));
      }
      QueueStats before = queue.stats();
      int sentBefore = done.size();
      assertThat(before.delayed()).isPositive();
      assertThat(before.ready()).isEqualTo(100);
      assertThat(before.reviewBacklog()).isPositive();

      redis.kill();
      redis.restart();

      await().atMost(AWAIT).ignoreExceptions().until(() -> queue.stats().equals(before));
      down.set(false);
      clock.advance(Duration.ofMinutes(1));
      queue.drain();
      assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, Duration.ZERO, 0, before.reviewBacklog()));
      assertThat(done.size() + before.reviewBacklog()).as("sent or under review").isEqualTo(400);
      System.out.printf("FIGURE retry queue, Redis SIGKILL and AOF restart: %d sent before, %d delayed + %d ready + %d in review survived, 0 lost%n",
          sentBefore, before.delayed(), before.ready(), before.reviewBacklog());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void withRedisDownAWriteFailsLoudlyAndTheQueueResumesWhenItReturns(
      @Dedicated RedisServer redis, @KeyPrefix String prefix) {
    AtomicInteger sent = new AtomicInteger();
    RedissonClient client = redis.newRedisson();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (RetryQueue queue = RetryQueue.builder(client, "mail").keyPrefix(prefix).drainInterval(Duration.ofMillis(100))
        .meterRegistry(meters).build()
        .register("send-email", PayloadCodec.text(), (address, ctx) -> sent.incrementAndGet())) {
      CircuitBreaker smtp = CircuitBreaker.ofDefaults("smtp");
      FallbackChain<String> chain = FallbackChain.<String>builder("mail").retryQueue(queue)
          .circuitBreaker(smtp).meterRegistry(meters).build();
      IOException smtpDown = new IOException("smtp down");

      redis.kill();
      FallbackResult<Void> result = chain.write(Operation.of("send-email", "a@example.com"), () -> {
        throw smtpDown;
      });

      assertThat(result.tier()).isEqualTo(Tier.FAILED);
      assertThat(result.cause()).containsSame(smtpDown);
      assertThat(smtpDown.getSuppressed()).singleElement().isInstanceOf(FallbackStoreException.class);
      assertThat(result.storeFailure()).get().isInstanceOf(FallbackStoreException.class);
      assertThat(result.message()).isEqualTo(FallbackChain.Builder.DEFAULT_NOT_KEPT_MESSAGE);
      // The breaker open, the most common case: Resilience4j's refusal takes no suppressed exception.
      smtp.transitionToOpenState();
      FallbackResult<Void> refused = chain.write(Operation.of("send-email", "d@example.com"), () -> null);
      assertThat(refused.tier()).isEqualTo(Tier.FAILED);
      assertThat(refused.cause()).get().isInstanceOf(CallNotPermittedException.class);
      assertThat(refused.cause().orElseThrow().getSuppressed()).isEmpty();
      assertThat(refused.storeFailure()).get().isInstanceOf(FallbackStoreException.class);
      assertThat(refused.message()).isEqualTo(FallbackChain.Builder.DEFAULT_NOT_KEPT_MESSAGE);
      smtp.reset();
      assertThatThrownBy(queue::drain).isInstanceOf(FallbackStoreException.class);
      assertThatThrownBy(() -> queue.enqueue(Operation.of("send-email", "b@example.com")))
          .isInstanceOf(FallbackStoreException.class).hasMessageStartingWith("Cannot queue Operation[send-email");

      redis.restart();
      await().atMost(AWAIT).ignoreExceptions()
          .until(() -> !queue.enqueue(Operation.of("send-email", "c@example.com").withIdempotencyKey("c")).duplicate());
      await().atMost(AWAIT).until(() -> sent.get() == 1); // the background drain lived through the outage
    } finally {
      client.shutdown();
    }
  }
}
