package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.Dedicated;
import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisServer;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The node running (or reserved for) the trial episode fails as a process: frozen longer than its
 * lease (a long GC pause, SIGSTOP) and then resumed, or killed (SIGKILL). Each node is a JVM of
 * its own ({@link FleetNode}); their histories are checked together: at most
 * {@value FleetNode#TRIALS} trial calls fleet-wide per episode, the frozen holder starts none on a
 * lease that lapsed by its own clock, and the fleet leaves the lost episode within a lease and a
 * claim.
 */
@Tag("fault")
@RedisTest
class NodeProcessIT {

  private static final int NODES = 3;
  private static final long LEASE_MILLIS = 1000;
  private static final Duration AWAIT = Duration.ofSeconds(20);

  /** A node process and what it printed. */
  private static final class Node implements AutoCloseable {
    final String id;
    final Process process;
    final Writer in;
    final List<String> lines = new CopyOnWriteArrayList<>();
    volatile long pid;

    Node(String id, RedisServer redis, String prefix, HistoryChecker history) throws IOException {
      this.id = id;
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), FleetNode.class.getName(),
          redis.address(), prefix, id, Long.toString(LEASE_MILLIS))
          .redirectErrorStream(true).start();
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> read(history), "read-" + id);
      reader.setDaemon(true);
      reader.start();
    }

    private void read(HistoryChecker history) {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
          String[] f = line.split(" ");
          if (line.startsWith("READY ")) {
            pid = Long.parseLong(f[1]);
          } else if (line.startsWith("H view ")) {
            history.viewAccepted(f[2], FleetNode.BREAKER, Long.parseLong(f[3]), State.valueOf(f[4]));
          } else if (line.startsWith("H permit ")) {
            history.trialPermitted(f[2], FleetNode.BREAKER, Long.parseLong(f[3]));
          } else if (line.startsWith("H flush ")) {
            history.flushAcknowledged(f[2], FleetNode.BREAKER, Long.parseLong(f[3]), f[4]);
          } else if (line.startsWith("H transition ")) {
            history.transitionPublished(f[2], FleetNode.BREAKER,
                StateTransition.transitionBetween(FleetNode.BREAKER, State.valueOf(f[3]), State.valueOf(f[4])));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }

    void send(String command) {
      try {
        in.write(command + "\n");
        in.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void signal(String signal) throws IOException, InterruptedException {
      assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
    }

    long permitsAfter(int fromLine) {
      // A copy: the reader thread appends to the list while this counts.
      List<String> seen = List.copyOf(lines);
      return seen.subList(fromLine, seen.size()).stream().filter(l -> l.startsWith("H permit ")).count();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** The node processes, their histories checked together, and an observer reading Redis. */
  private static final class Processes implements AutoCloseable {
    final HistoryChecker history = new HistoryChecker();
    final List<Node> nodes = new ArrayList<>();
    private final RedissonClient client;
    private final RedisCircuitBreakerRegistry observer;

    Processes(RedisServer redis, String prefix) throws IOException {
      client = redis.newRedisson();
      observer = RedisCircuitBreakerRegistry.builder(client).keyPrefix(prefix).nodeId("observer").build();
      for (int i = 0; i < NODES; i++) {
        nodes.add(new Node("node-" + i, redis, prefix, history));
      }
      for (Node node : nodes) {
        Awaitility.await().atMost(AWAIT).failFast(() -> !node.process.isAlive()).until(() -> node.pid != 0);
      }
    }

    /** Fails the dependency on every node until the fleet is OPEN; the node reserved for its next episode. */
    Node openFleetsHolder() {
      nodes.forEach(n -> n.send("down"));
      SharedBreakerState open = await(s -> s.state() == State.OPEN && s.trialHolder().isPresent());
      return nodes.stream().filter(n -> n.id.equals(open.trialHolder().orElseThrow())).findFirst().orElseThrow();
    }

    SharedBreakerState await(java.util.function.Predicate<SharedBreakerState> condition) {
      return Awaitility.await().atMost(AWAIT).pollInterval(Duration.ofMillis(10)).ignoreExceptions()
          .until(this::read, condition);
    }

    SharedBreakerState read() {
      return observer.sharedBreaker(FleetNode.BREAKER).orElseThrow();
    }

    void assertNoViolations() {
      for (Node node : nodes) {
        assertThat(node.lines).as("exceptions from the breaker layer on " + node.id)
            .noneMatch(l -> l.startsWith("EXCEPTION"));
      }
      assertThat(history.violations(FleetNode.TRIALS)).as("violations of the fleet's invariants").isEmpty();
      assertThat(history.episodes()).isPositive();
    }

    @Override
    public void close() {
      nodes.forEach(Node::close);
      observer.close();
      client.shutdown();
    }
  }

  @Test
  void aHolderFrozenPastItsLeaseStartsNoTrialWhenItResumes(@Dedicated RedisServer redis, @KeyPrefix String prefix)
      throws Exception {
    try (Processes fleet = new Processes(redis, prefix)) {
      Node holder = fleet.openFleetsHolder();
      // Told first, while its calls are rejected (OPEN): resumed, it must not call a dependency
      // it still believes down before it reads the news (its failures would open the fleet again).
      holder.send("up");
      await().atMost(AWAIT).until(() -> holder.lines.contains("DEPENDENCY up"));
      holder.signal("STOP"); // before its deadline: frozen with the reservation
      long stopped = System.nanoTime();
      int linesBefore = holder.lines.size();
      fleet.nodes.stream().filter(n -> n != holder).forEach(n -> n.send("up"));

      // The reservation lapses a lease after the deadline; another node takes the episode and closes it.
      SharedBreakerState closed = fleet.await(s -> s.state() == State.CLOSED);
      long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
      TimeUnit.MILLISECONDS.sleep(LEASE_MILLIS); // frozen longer than the lease
      holder.signal("CONT");
      long resumed = System.nanoTime();
      await().atMost(AWAIT).until(() -> holder.lines.stream().skip(linesBefore)
          .anyMatch(l -> l.startsWith("H view ") && Long.parseLong(l.split(" ")[3]) >= closed.version()));
      long followedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
      TimeUnit.MILLISECONDS.sleep(500);

      assertThat(holder.permitsAfter(linesBefore)).as("trial calls of the resumed holder").isZero();
      assertThat(fleet.read())
          .satisfies(s -> assertThat(s.state()).isEqualTo(State.CLOSED))
          .satisfies(s -> assertThat(s.version()).as("no late verdict applied").isEqualTo(closed.version()));
      fleet.assertNoViolations();
      System.out.printf("FIGURE holder SIGSTOPped past its lease (%d ms): another node's episode closed the fleet"
          + " %d ms after the stop (wait 1000 ms + lease %d ms); the resumed holder followed CLOSED after %d ms"
          + " and ran 0 trial calls; at most %d trial calls per episode across %d JVMs, 0 violations%n",
          LEASE_MILLIS, closedMillis, LEASE_MILLIS, followedMillis, FleetNode.TRIALS, NODES);
    }
  }

  @Test
  void aHolderKilledInItsEpisodeLosesItWithinALease(@Dedicated RedisServer redis, @KeyPrefix String prefix)
      throws Exception {
    try (Processes fleet = new Processes(redis, prefix)) {
      Node holder = fleet.openFleetsHolder();
      holder.send("slow"); // its trial calls hang: it holds the episode
      fleet.nodes.stream().filter(n -> n != holder).forEach(n -> n.send("up"));
      SharedBreakerState episode = fleet.await(
          s -> s.state() == State.HALF_OPEN && s.trialHolder().equals(Optional.of(holder.id)));
      holder.signal("KILL");
      long killed = System.nanoTime();
      AtomicLong takenOver = new AtomicLong();
      fleet.await(s -> {
        if (s.version() > episode.version() && takenOver.get() == 0) {
          takenOver.set(System.nanoTime());
        }
        return s.state() == State.CLOSED;
      });
      long takenOverMillis = TimeUnit.NANOSECONDS.toMillis(takenOver.get() - killed);
      long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

      assertThat(takenOverMillis).as("the episode outlived its holder by at most a lease and a claim")
          .isLessThan(LEASE_MILLIS + 1000);
      fleet.assertNoViolations();
      System.out.printf("FIGURE holder SIGKILLed in its HALF_OPEN episode (lease %d ms): the fleet left the episode"
          + " %d ms after the kill and was CLOSED after %d ms; at most %d trial calls per episode, 0 violations%n",
          LEASE_MILLIS, takenOverMillis, closedMillis, FleetNode.TRIALS);
    }
  }
}
