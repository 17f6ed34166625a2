/**
 * The insides of the Kafka Connect plugins in {@code io.stepstream.connect}: how a source record becomes a
 * workflow request ({@link io.stepstream.internal.connect.RequestMapping}), and how the webhook sink talks to
 * the webhook ({@link io.stepstream.internal.connect.Webhook}), renders envelopes as JSON ({@link
 * io.stepstream.internal.connect.JsonForm}) and turns an answer into a decision ({@link
 * io.stepstream.internal.connect.WebhookDecision}). Not API: may change in any release.
 */
package io.stepstream.internal.connect;
