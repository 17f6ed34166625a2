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
}
