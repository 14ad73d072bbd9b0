package io.github.r4jredis.benchmarks;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one protected call: a no-op supplier called directly and through a plain Resilience4j
 * breaker in CLOSED. The shared breaker and the naive per-call Redis breaker join these with
 * the benchmarks issue.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am -DskipTests package && java -jar
 * benchmarks/target/benchmarks.jar HotPathBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmark {

  private final Supplier<String> noOp = () -> "ok";
  private Supplier<String> plainResilience4j;

  /** Builds the decorated suppliers. */
  @Setup
  public void setUp() {
    CircuitBreaker breaker = CircuitBreaker.of("bench", CircuitBreakerConfig.ofDefaults());
    plainResilience4j = CircuitBreaker.decorateSupplier(breaker, noOp);
  }

  /** The bare call: the floor every other figure is read against. */
  @Benchmark
  public String direct() {
    return noOp.get();
  }

  /** A plain, per-JVM Resilience4j breaker in CLOSED. */
  @Benchmark
  public String plainResilience4j() {
    return plainResilience4j.get();
  }
}
