/**
 * Users' test kit for workflows (artifact {@code stepstream-testkit}, test scope). Start at:
 *
 * <ul>
 *   <li>{@link io.stepstream.testkit.WorkflowTestEnvironment}: the engine's orchestrator in memory on
 *       {@code TopologyTestDriver}, with virtual time: start runs, approve, signal, advance time,
 *       inspect results, journals and audit events. No broker, no threads.
 *   <li>{@link io.stepstream.testkit.WorkflowReplayer}: replays recorded histories ({@link
 *       io.stepstream.testkit.WorkflowHistory}, from files or a cluster's changelog through {@link
 *       io.stepstream.testkit.HistorySource}) against the current code without running step bodies,
 *       and reports non-determinism: a CI gate for changing workflow code while runs are in flight.
 * </ul>
 *
 * <p>Guide: docs/testing.md. Everything else here is package-private; the engine's internals stay in
 * {@code io.stepstream.internal}.
 */
package io.stepstream.testkit;
