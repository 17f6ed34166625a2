package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPacerTest {
  private static final long T0 = 1_000_000L;

  @Test
  void an_idle_instance_commits_each_result_at_once() {
    CommitPacer pacer = new CommitPacer(2_000); // 200 records per 100 ms window
    for (int i = 0; i < 4; i++) {
      pacer.onInput(T0 + i);
    }
    assertThat(pacer.commitEarly(T0 + 5)).isTrue();
  }

  @Test
  void a_busy_window_leaves_results_to_the_commit_interval() {
    CommitPacer pacer = new CommitPacer(2_000);
    for (int i = 0; i < 200; i++) {
      pacer.onInput(T0 + i / 4);
    }
    assertThat(pacer.commitEarly(T0 + 60)).as("the current window is full").isFalse();
  }

  @Test
  void the_previous_window_still_counts_right_after_a_busy_one() {
    CommitPacer pacer = new CommitPacer(2_000);
    for (int i = 0; i < 300; i++) {
      pacer.onInput(T0 + i / 4);
    }
    pacer.onInput(T0 + 110); // a new window begins with one record
    assertThat(pacer.commitEarly(T0 + 111)).as("the last full window was busy").isFalse();
  }

  @Test
  void load_that_stopped_is_forgotten_after_a_quiet_window() {
    CommitPacer pacer = new CommitPacer(2_000);
    for (int i = 0; i < 300; i++) {
      pacer.onInput(T0 + i / 4);
    }
    // more than two windows later: the busy window is not the previous one any more
    assertThat(pacer.commitEarly(T0 + 350)).isTrue();
  }

  @Test
  void input_that_waited_in_kafka_means_a_backlog_even_when_few_records_get_processed() {
    CommitPacer pacer = new CommitPacer(2_000, 25);
    pacer.onPolled(3, T0);
    pacer.onInput(T0);
    assertThat(pacer.commitEarly(T0 + 1)).as("fresh input").isTrue();
    // a thread slowed by commits: few records per window, but they were produced long ago
    pacer.onPolled(900, T0 + 2);
    pacer.onInput(T0 + 2);
    assertThat(pacer.commitEarly(T0 + 3)).isFalse();
    pacer.onPolled(2, T0 + 120);
    assertThat(pacer.commitEarly(T0 + 121)).as("the lagging window is the previous one").isFalse();
    pacer.onPolled(2, T0 + 230);
    assertThat(pacer.commitEarly(T0 + 231)).as("the backlog is drained").isTrue();
  }

  @Test
  void zero_never_commits_early() {
    CommitPacer pacer = new CommitPacer(0);
    assertThat(pacer.commitEarly(T0)).isFalse();
  }

  @Test
  void results_inside_the_gap_are_held_and_committed_once_when_it_has_passed() {
    CommitPacer pacer = new CommitPacer(2_000);
    pacer.commitLatency(() -> 4.0); // a commit blocks the thread 4 ms: early commits 12 ms apart
    pacer.onInput(T0);
    assertThat(pacer.commitEarly(T0)).isTrue();
    assertThat(pacer.gapMs()).isEqualTo(12);
    assertThat(pacer.commitEarly(T0 + 3)).as("3 ms after the last commit").isFalse();
    assertThat(pacer.commitEarly(T0 + 5)).isFalse();
    assertThat(pacer.heldCommitDue(T0 + 11)).as("the gap has not passed").isFalse();
    assertThat(pacer.heldCommitDue(T0 + 12)).isTrue();
    assertThat(pacer.heldCommitDue(T0 + 30)).as("committed once; nothing held since").isFalse();
    assertThat(pacer.commitEarly(T0 + 24)).as("a gap after the held commit").isTrue();
  }

  @Test
  void single_runs_further_apart_than_the_gap_never_wait() {
    CommitPacer pacer = new CommitPacer(2_000);
    pacer.commitLatency(() -> 2.0);
    for (int run = 0; run < 20; run++) {
      long end = T0 + run * 8L; // a run every 8 ms, its result at the end
      pacer.onInput(end - 3);
      pacer.onInput(end);
      assertThat(pacer.commitEarly(end)).as("run %d", run).isTrue();
    }
  }

  @Test
  void without_a_known_commit_latency_the_gap_is_the_minimum() {
    CommitPacer pacer = new CommitPacer(2_000);
    pacer.commitLatency(() -> Double.NaN);
    pacer.onInput(T0);
    assertThat(pacer.commitEarly(T0)).isTrue();
    assertThat(pacer.gapMs()).isEqualTo(CommitPacer.MIN_GAP_MS);
    assertThat(pacer.commitEarly(T0 + 1)).isTrue();
  }

  @Test
  void a_held_result_is_left_to_the_interval_once_input_lags() {
    CommitPacer pacer = new CommitPacer(2_000, 25);
    pacer.commitLatency(() -> 5.0);
    pacer.onInput(T0);
    assertThat(pacer.commitEarly(T0)).isTrue();
    assertThat(pacer.commitEarly(T0 + 2)).isFalse(); // held
    pacer.onPolled(500, T0 + 3); // a backlog
    assertThat(pacer.commitEarly(T0 + 4)).isFalse();
    assertThat(pacer.heldCommitDue(T0 + 50)).as("the interval commit takes it").isFalse();
  }
}
