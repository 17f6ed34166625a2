package io.stepstream.loadtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts of benchmark results (JFreeChart, headless). */
public final class Charts {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)
  };

  private Charts() {}

  /**
   * Latency by percentile, the x axis stretched towards the tail like HdrHistogram plots: x =
   * -log10(1 - p), so 90%, 99%, 99.9% are evenly spaced.
   */
  public static void latencyDistribution(Path file, String title, Map<String, List<BenchResult.Percentile>> series) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection data = new XYSeriesCollection();
    double maxX = 1;
    for (var e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey(), true, false);
      List<BenchResult.Percentile> points = e.getValue();
      // the 100% point (max) has no finite x: put it one step beyond the last finite one
      double lastFinite = 0;
      for (BenchResult.Percentile p : points) {
        if (p.percentile() < 100.0) {
          double x = tailX(p.percentile());
          lastFinite = Math.max(lastFinite, x);
          s.addOrUpdate(x, p.ms());
        }
      }
      for (BenchResult.Percentile p : points) {
        if (p.percentile() >= 100.0) {
          s.addOrUpdate(Math.ceil(lastFinite + 0.01), p.ms());
        }
      }
      maxX = Math.max(maxX, s.getMaxX());
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "percentile", "end-to-end latency (ms)", data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = style(chart);
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setRange(0, Math.max(1, Math.ceil(maxX)) + 0.15); // room for the last tick label
    x.setTickUnit(new NumberTickUnit(1, new TailPercentFormat()));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    colour(r, data.getSeriesCount());
    plot.setRenderer(r);
    save(file, chart);
  }

  /** Requests sent and results received per second since the first request. */
  public static void throughputOverTime(Path file, String title, List<BenchResult.Bucket> buckets, boolean showSent) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeries done = new XYSeries("results / s");
    XYSeries sent = new XYSeries("requests sent / s");
    for (BenchResult.Bucket b : buckets) {
      done.add(b.second(), b.completed());
      sent.add(b.second(), b.sent());
    }
    XYSeriesCollection data = new XYSeriesCollection(done);
    if (showSent) {
      data.addSeries(sent);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds since the first request", "per second", data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = style(chart);
    XYStepRenderer r = new XYStepRenderer();
    colour(r, data.getSeriesCount());
    plot.setRenderer(r);
    ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    save(file, chart);
  }

  static double tailX(double percentile) {
    return -Math.log10(1.0 - percentile / 100.0);
  }

  private static XYPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return plot;
  }

  private static void colour(XYLineAndShapeRenderer r, int series) {
    for (int i = 0; i < series; i++) {
      r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
  }

  private static void save(Path file, JFreeChart chart) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /** Labels x = -log10(1 - p) with p: 0 -> 0%, 1 -> 90%, 2 -> 99%, 3 -> 99.9% ... */
  private static final class TailPercentFormat extends NumberFormat {
    @Override
    public StringBuffer format(double x, StringBuffer out, FieldPosition pos) {
      double p = 100.0 * (1.0 - Math.pow(10, -x));
      int decimals = Math.max(0, (int) Math.round(x) - 2);
      DecimalFormat f = new DecimalFormat(decimals == 0 ? "0" : "0." + "0".repeat(decimals));
      return out.append(f.format(p)).append('%');
    }

    @Override
    public StringBuffer format(long x, StringBuffer out, FieldPosition pos) {
      return format((double) x, out, pos);
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      return null;
    }
  }
}
