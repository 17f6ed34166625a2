/**
 * Queries served by any engine instance (Kafka Streams Interactive Queries): describe a run, its
 * history, run lists and pending approvals, over the engine's HTTP endpoint. Start at {@link
 * io.stepstream.internal.query.RunQueries} (routing: owner answers, others forward; lists fan out
 * and merge), then {@link io.stepstream.internal.query.LocalRuns} (this instance's stores) and
 * {@link io.stepstream.internal.query.RunViews} (the JSON shapes). Not API.
 */
package io.stepstream.internal.query;
