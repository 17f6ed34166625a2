package io.stepstream.examples;

import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;

/**
 * Large payloads and token streams in one workflow ("export-summary"): a tool step exports a
 * multi-megabyte CSV (far above Kafka's default 1 MB records), a second step summarizes it while
 * publishing its progress as partial output, and the run returns both.
 *
 * <p>Nothing here mentions claim checks: the engine stores the export (step result and run output)
 * as content-addressed chunks on {@code <prefix>.payloads} and journals a reference
 * (docs/large-payloads.md). A follower sees the summary being written line by line and can resume
 * after a reconnect (docs/streams.md):
 *
 * <pre>{@code
 * RunHandle run = client.start("export-summary", "export-1", 100_000);
 * try (RunStream stream = client.followStream("export-1")) { ... }     // or: stepstream stream export-1
 * Export export = run.await(Duration.ofMinutes(1)).outputOrThrow(Export.class);   // the whole CSV, read back
 * }</pre>
 */
public final class ExportWorkflows implements WorkflowRegistrar {
  public static final String TYPE = "export-summary";

  /** What the run returns: the CSV and its summary. */
  public record Export(String csv, String summary) {}

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(TYPE, Integer.class, (ctx, rows) -> {
      // a tool's output: one line per order, ~35 bytes each (100,000 rows: ~3.5 MB)
      String csv = ctx.step("export-orders", String.class, s -> {
        StringBuilder out = new StringBuilder("order,customer,amount_eur,status\n");
        for (int i = 1; i <= rows; i++) {
          out.append("A-").append(100_000 + i).append(",customer-").append(i % 997).append(',')
              .append(i % 250).append('.').append(String.format("%02d", i % 100)).append(",delivered\n");
        }
        return out.toString();
      });
      String summary = ctx.step("summarize", String.class, s -> {
        long lines = csv.lines().skip(1).count();
        s.publishPartial("read " + lines + " orders\n");
        double total = csv.lines().skip(1).mapToDouble(l -> Double.parseDouble(l.split(",")[2])).sum();
        s.publishPartial(String.format(java.util.Locale.ROOT, "total %.2f EUR\n", total));
        return lines + " orders, " + String.format(java.util.Locale.ROOT, "%.2f", total) + " EUR";
      });
      return new Export(csv, summary);
    });
  }
}
