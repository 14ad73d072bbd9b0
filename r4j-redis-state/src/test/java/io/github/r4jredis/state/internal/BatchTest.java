package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a pipeline being built hands its breakers: its size bound, reconcile budget and sequence. */
class BatchTest {

  private static final long NOW = TimeUnit.SECONDS.toNanos(1_000);
  private static final long RECONCILE = TimeUnit.SECONDS.toNanos(5);
  private final AtomicLong sequence = new AtomicLong(41);

  private Batch batch(long reconcileBudget) {
    return new Batch(NOW, reconcileBudget, new Batch.Timing(TimeUnit.SECONDS.toNanos(5), 0, RECONCILE),
        sequence::incrementAndGet, (request, name, clock) -> LuaScripts.call(request).set(LuaScripts.Arg.NAME, name));
  }

  private static LuaScripts.ArgList verdict(String name) {
    return LuaScripts.call(new LuaScripts.Verdict(1, State.CLOSED)).set(LuaScripts.Arg.NAME, name);
  }

  @Test
  void aBatchIsFullAtItsBound() {
    Batch batch = batch(1);
    for (int i = 0; i < Batch.MAX_CALLS - 1; i++) {
      batch.add(verdict("b" + i), (v, t) -> { });
    }
    assertThat(batch.full()).isFalse();
    batch.add(verdict("last"), (v, t) -> { });
    assertThat(batch.full()).isTrue();
    assertThat(batch.calls()).hasSize(Batch.MAX_CALLS);
    assertThat(batch.calls().get(Batch.MAX_CALLS - 1).encodedName()).as("named by its arguments").isEqualTo("last");
  }

  /** However many breakers are due, a batch reads only its share of them; the rest wait for the next ones. */
  @Test
  void reconcileReadsAreRationedAndOnlyForOldViews() {
    Batch batch = batch(2);
    long old = NOW - RECONCILE;
    long fresh = NOW - RECONCILE + 1;

    assertThat(batch.viewOld(old)).isTrue();
    assertThat(batch.viewOld(fresh)).isFalse();
    assertThat(batch.reconcileDue(fresh)).as("a fresh view takes nothing from the budget").isFalse();
    assertThat(batch.reconcileDue(old)).isTrue();
    assertThat(batch.reconcileDue(old)).isTrue();
    assertThat(batch.reconcileDue(old)).as("budget spent").isFalse();
    assertThat(batch.viewOld(old)).as("still old, only not read in this batch").isTrue();
  }

  @Test
  void sequenceNumbersComeFromTheEngineAndCallsTellWhetherTheyCreate() {
    Batch batch = batch(1);
    assertThat(batch.nextSequence()).isEqualTo(42);
    assertThat(batch.nextSequence()).isEqualTo(43);

    Batch.Call read = batch.call(LuaScripts.call(new LuaScripts.Read()).set(LuaScripts.Arg.NAME, "r"), (v, t) -> { });
    assertThat(read.creates()).isFalse();
    Batch.Call seeding = batch.call(LuaScripts.call(LuaScripts.Command.operator("RESET", LuaScripts.SeedMode.IF_MISSING))
        .set(LuaScripts.Arg.NAME, "s"), (v, t) -> { });
    assertThat(seeding.creates()).isTrue();
  }
}
