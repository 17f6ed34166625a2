/**
 * Kafka Connect plugins for Stepstream (install the plugin directory into a worker's {@code plugin.path}; see
 * docs/connectors.md):
 *
 * <ul>
 *   <li>{@link io.stepstream.connect.ToWorkflowRequest}: a transform that makes any source connector start runs;
 *   <li>{@link io.stepstream.connect.ApprovalWebhookSinkConnector}: delivers approval requests (and optionally
 *       results) to an HTTP webhook, and writes the decisions a webhook answers with.
 * </ul>
 *
 * <p>Only these class names appear in connector configurations; everything else lives in {@code
 * io.stepstream.internal.connect}.
 */
package io.stepstream.connect;
