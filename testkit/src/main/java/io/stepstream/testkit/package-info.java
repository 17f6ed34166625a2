/**
 * Users' test environment for workflows. Not built yet: the test-kit issue adds a time-skipping
 * environment on {@code TopologyTestDriver} and a replayer for recorded histories. Until then, test
 * workflows against an engine on the dev broker ({@code stepstream-dev-kafka}), as this project's
 * own {@code StepstreamIT} does.
 */
package io.stepstream.testkit;
