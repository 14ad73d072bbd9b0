package io.github.r4jredis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.github.r4jredis.testkit.KeyPrefix;
import io.github.r4jredis.testkit.RedisTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The fleet over TLS ({@code rediss://}) to a Redis whose certificate a test CA signed: the
 * breakers share state as over plain TCP; a client that does not trust the CA never gets a
 * shared state (it decides locally, without an exception). Needs {@code openssl} and a
 * {@code redis-server} built with TLS; skipped otherwise.
 */
@Tag("fault")
@RedisTest
class TlsIT {

  private static final String STORE_PASSWORD = "truststore-pass";

  @Test
  void theFleetSharesStateOverTlsAndAnUntrustedClientStaysLocal(@TempDir Path dir, @KeyPrefix String prefix)
      throws Exception {
    assumeThat(run(dir, "openssl", "version")).as("openssl on PATH").isZero();
    assumeThat(run(dir, "redis-server", "--version")).as("redis-server on PATH").isZero();
    run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "1", "-subj", "/CN=r4j test CA");
    run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    assertThat(run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext")).isZero();
    Path truststore = truststore(dir.resolve("ca.crt"), dir.resolve("trust.p12"));

    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Process redis = new ProcessBuilder("redis-server", "--port", "0", "--tls-port", Integer.toString(port),
        "--tls-cert-file", "server.crt", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.crt",
        "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    List<RedissonClient> clients = new ArrayList<>();
    List<RedisCircuitBreakerRegistry> registries = new ArrayList<>();
    try {
      TimeUnit.MILLISECONDS.sleep(300);
      assumeThat(redis.isAlive()).as("redis-server built with TLS: " + Files.readString(dir.resolve("redis.log")))
          .isTrue();
      for (int i = 0; i < 3; i++) {
        Config config = new Config();
        config.useSingleServer().setAddress("rediss://127.0.0.1:" + port).setTimeout(2000).setConnectTimeout(2000);
        config.setLazyInitialization(true);
        if (i < 2) { // the third node does not trust the test CA
          config.setSslTruststore(truststore.toUri().toURL()).setSslTruststorePassword(STORE_PASSWORD);
        }
        RedissonClient client = Redisson.create(config);
        clients.add(client);
        registries.add(RedisCircuitBreakerRegistry.builder(client)
            .withCircuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMinutes(5)).build())
            .keyPrefix(prefix).nodeId("node-" + i).build());
      }
      List<RedisCircuitBreaker> breakers = registries.stream()
          .map(r -> (RedisCircuitBreaker) r.circuitBreaker("payments")).toList();
      FleetIT.awaitSeeded(breakers.subList(0, 2));

      breakers.get(0).transitionToForcedOpenState();
      await().atMost(Fleet.AWAIT).until(() -> breakers.get(1).getState() == State.FORCED_OPEN);

      RedisCircuitBreaker untrusting = breakers.get(2);
      await().atMost(Fleet.AWAIT).until(() -> untrusting.syncMode() == SyncMode.LOCAL);
      assertThat(untrusting.stateVersion()).isZero(); // never saw the fleet's state
      assertThat(untrusting.tryAcquirePermission()).isTrue(); // and protects on its own, no exception
      System.out.printf("FIGURE TLS: 2 nodes trusting the test CA share state over rediss://; the node that does"
          + " not trust it stays LOCAL (version %d), no exception%n", untrusting.stateVersion());
    } finally {
      registries.forEach(RedisCircuitBreakerRegistry::close);
      clients.forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
      redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static Path truststore(Path caCert, Path store) throws Exception {
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    keyStore.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      keyStore.setCertificateEntry("r4j-test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    try (OutputStream out = Files.newOutputStream(store)) {
      keyStore.store(out, STORE_PASSWORD.toCharArray());
    }
    return store;
  }

  private static int run(Path dir, String... command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("openssl.log").toFile()).start();
      return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (IOException e) {
      return -1; // not installed
    }
  }
}
