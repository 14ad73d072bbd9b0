#!/usr/bin/env bash
# Regenerates docs/benchmarks.md and its charts: JMH hot-path benchmarks (1 and 2 threads, with
# allocation), then the fleet simulations (BenchmarkReport). Takes about 20 minutes on 2 cores.
# Uses REDIS_URL if set, else starts its own redis-server (PATH, else embedded-redis).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am -DskipTests package
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"

for threads in 1 2; do
  java -jar "$jar" HotPathBenchmark -t "$threads" -prof gc -rf csv -rff "$out/jmh-t$threads.csv"
done

java -cp "$jar" io.github.r4jredis.benchmarks.BenchmarkReport \
  --jmh "$out/jmh-t1.csv,$out/jmh-t2.csv" --docs docs "$@"
