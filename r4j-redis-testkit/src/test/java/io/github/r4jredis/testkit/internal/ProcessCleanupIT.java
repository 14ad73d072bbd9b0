package io.github.r4jredis.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessCleanupIT {

  @Test
  void noRedisServerOutlivesAJvmThatExits() throws Exception {
    Process child = startChild("exit");
    List<Long> pids = readPids(child);

    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pids).noneMatch(ProcessCleanupIT::isAlive));
  }

  @Test
  void serversOfAJvmThatWasKilledAreReapedByTheNextOne() throws Exception {
    Process child = startChild("hang");
    List<Long> pids = readPids(child);

    child.destroyForcibly(); // SIGKILL: no shutdown hook runs in the child.
    child.waitFor();
    assertThat(pids).allMatch(ProcessCleanupIT::isAlive);

    ServerRegistry.reapOrphans(Path.of(System.getProperty("java.io.tmpdir"), "r4j-redis-testkit"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pids).noneMatch(ProcessCleanupIT::isAlive));
  }

  private static Process startChild(String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CleanupChild.class.getName(), mode)
        .redirectErrorStream(true)
        .start();
  }

  private static List<Long> readPids(Process child) throws IOException {
    List<Long> pids = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      output.append(line).append('\n');
      if (line.startsWith("PID ")) {
        pids.add(Long.parseLong(line.substring(4).trim()));
      } else if (line.equals("READY")) {
        assertThat(pids).hasSize(2);
        // Keep draining so the child never blocks on a full pipe.
        Thread drain = new Thread(() -> reader.lines().forEach(l -> { }), "drain-child");
        drain.setDaemon(true);
        drain.start();
        return pids;
      }
    }
    throw new AssertionError("Child exited before READY:\n" + output);
  }

  private static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
