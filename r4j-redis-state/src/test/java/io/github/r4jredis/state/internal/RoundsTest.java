package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/** The sync thread's hot and cold rounds, over fake members and a fake pipeline. */
class RoundsTest {

  private static final long SYNC = 10;
  private static final long RECONCILE = 50; // a cold member is visited every 5 ticks

  private final Rounds<Member> rounds = new Rounds<>(SYNC, RECONCILE);
  private long now;

  @Test
  void newMembersAreVisitedAtEveryTick() {
    List<Member> members = members(3);

    Pipeline first = tick(100);
    Pipeline second = tick(100);

    assertThat(first.visited).containsExactlyInAnyOrderElementsOf(members);
    assertThat(second.visited).containsExactlyInAnyOrderElementsOf(members);
    assertThat(rounds.hotCount()).isEqualTo(3);
    assertThat(rounds.coldCount()).isZero();
  }

  @Test
  void idleMembersGoColdAndAreEachVisitedOncePerReconcileInterval() {
    List<Member> members = members(10);
    members.forEach(m -> m.coolable = at -> true);
    tick(100); // all visited hot, then cooled
    assertThat(rounds.coldCount()).isEqualTo(10);
    assertThat(members).allMatch(m -> m.mark().cold());

    List<Member> visited = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Pipeline pipeline = tick(100);
      assertThat(pipeline.visited).hasSize(2); // ceil(10 * 10 / 50)
      visited.addAll(pipeline.visited);
    }

    assertThat(visited).containsExactlyInAnyOrderElementsOf(members); // each once, none twice
    assertThat(members).allMatch(m -> m.ticks == 2); // hot once, then at its cold visit only
  }

  @Test
  void aWarmedMemberIsHotAtTheNextTickAndTheOthersKeepTheirTurn() {
    List<Member> members = members(10);
    members.forEach(m -> m.coolable = at -> true);
    tick(100);
    List<Member> visited = new ArrayList<>(tick(100).visited);
    Member called = members.stream().filter(m -> !visited.contains(m)).findFirst().orElseThrow();
    called.coolable = at -> false; // a call: it has something to send now

    rounds.warm(called);
    assertThat(called.mark().cold()).isFalse();
    Pipeline next = tick(100);

    assertThat(next.visited).contains(called);
    assertThat(rounds.hotCount()).isEqualTo(1);
    assertThat(rounds.coldCount()).isEqualTo(9);
    visited.addAll(next.visited);
    for (int i = 0; i < 3; i++) { // five ticks in all since the first cold visits: one reconcile interval
      visited.addAll(tick(100).visited);
    }
    List<Member> others = new ArrayList<>(members);
    others.remove(called);
    assertThat(visited.stream().filter(others::contains).distinct()).containsExactlyInAnyOrderElementsOf(others);
  }

  @Test
  void aColdMemberWithWorkAtItsVisitGoesHot() {
    List<Member> members = members(5);
    members.forEach(m -> m.coolable = at -> true);
    tick(100);
    Member busy = members.get(0);
    busy.calls = 1; // a read a message asked for, say

    for (int i = 0; i < 5 && !tick(100).visited.contains(busy); i++) {
      // its cold visit comes within a reconcile interval
    }
    busy.calls = 0;
    busy.coolable = at -> false;
    Pipeline after = tick(100);

    assertThat(after.visited).contains(busy);
    assertThat(rounds.hotCount()).isEqualTo(1);
  }

  @Test
  void aMemberThatStopsBeingIdleWhileItIsCooledStaysHot() {
    Member racer = members(1).get(0);
    int[] asked = {0};
    racer.coolable = at -> asked[0]++ == 0; // idle at the first look, not at the second (a call came)

    tick(100);

    assertThat(racer.mark().cold()).isFalse();
    assertThat(rounds.hotCount()).isEqualTo(1);
    assertThat(tick(100).visited).containsExactly(racer);
  }

  @Test
  void aFullPipelineResumesWhereItStoppedAndUrgentMembersGoFirst() {
    List<Member> members = members(5);
    members.forEach(m -> m.calls = 1);
    Member urgent = members.get(3);

    urgent.urgent = true;
    Pipeline first = tick(2);
    urgent.urgent = false;
    Pipeline second = tick(2);
    Pipeline third = tick(2);

    assertThat(first.visited).hasSize(2).startsWith(urgent);
    assertThat(first.complete).isFalse();
    List<Member> all = new ArrayList<>(first.visited);
    all.addAll(second.visited);
    all.addAll(third.visited);
    assertThat(all).containsAll(members); // none starved by the others
  }

  @Test
  void droppedMembersLeaveBothLists() {
    List<Member> members = members(4);
    members.get(0).coolable = at -> true;
    members.get(1).coolable = at -> true;
    tick(100);
    assertThat(rounds.coldCount()).isEqualTo(2);

    rounds.remove(members.get(0)); // cold
    rounds.remove(members.get(2)); // hot
    rounds.tickHot(now);
    for (int i = 0; i < 5; i++) {
      tick(100);
    }

    assertThat(rounds.hotCount()).isEqualTo(1);
    assertThat(rounds.coldCount()).isEqualTo(1);
    assertThat(members.get(2).ticks).isEqualTo(1); // before it was dropped, never after
  }

  private List<Member> members(int count) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Member member = new Member("m" + i);
      members.add(member);
      rounds.add(member);
    }
    return members;
  }

  /** A tick as the sync engine runs it: the hot members' deadlines, then a pipeline of {@code capacity} calls. */
  private Pipeline tick(int capacity) {
    now += SYNC;
    rounds.tickHot(now);
    Pipeline pipeline = new Pipeline(capacity);
    pipeline.complete = rounds.collect(now, pipeline);
    return pipeline;
  }

  private static final class Pipeline implements Rounds.Sink<Member> {
    final int capacity;
    final List<Member> visited = new ArrayList<>();
    int calls;
    boolean complete;

    Pipeline(int capacity) {
      this.capacity = capacity;
    }

    @Override
    public boolean full() {
      return calls >= capacity;
    }

    @Override
    public boolean collect(Member member) {
      visited.add(member);
      calls += member.calls;
      return member.calls > 0;
    }
  }

  private static final class Member implements Rounds.Member {
    final String name;
    final Rounds.Mark mark = new Rounds.Mark();
    LongPredicate coolable = at -> false;
    boolean urgent;
    int calls;
    int ticks;

    Member(String name) {
      this.name = name;
    }

    @Override
    public Rounds.Mark mark() {
      return mark;
    }

    @Override
    public void tick(long nowNanos) {
      ticks++;
    }

    @Override
    public boolean urgent() {
      return urgent;
    }

    @Override
    public boolean coolable(long nowNanos, long reconcileNanos) {
      return coolable.test(nowNanos);
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
