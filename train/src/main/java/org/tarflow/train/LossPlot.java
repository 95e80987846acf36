package org.tarflow.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tarflow.flow.io.AtomicFiles;

/** The training curve as a PNG (XChart): loss per step and a smoothed line. */
public final class LossPlot {
    private LossPlot() {
    }

    public static void write(Path metrics, Path png, String title) throws IOException {
        List<double[]> points = Metrics.read(metrics, "loss");
        if (points.size() < 2) {
            return;
        }
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        double[] smooth = centredMean(y, Math.max(1, y.length / 100));
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step")
                .yAxisTitle("loss (nats/dim)").build();
        chart.getStyler().setLegendVisible(true);
        // plain integers, spaced for labels of up to six digits (the default pattern ran "1,010" into "1,212")
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setXAxisTickMarkSpacingHint(110);
        XYSeries raw = chart.addSeries("loss", x, y);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineWidth(0.6f);
        XYSeries s = chart.addSeries("smoothed", x, smooth);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineWidth(2f);
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }

    /**
     * The mean of the finite values within {@code half} steps on either side (NaN where there are none). Centred,
     * so the line does not lag the loss: the exponential average drawn before trailed it by hundreds of steps
     * while the loss fell fastest.
     */
    static double[] centredMean(double[] y, int half) {
        int n = y.length;
        double[] sum = new double[n + 1];
        int[] count = new int[n + 1];
        for (int i = 0; i < n; i++) {
            boolean ok = Double.isFinite(y[i]);
            sum[i + 1] = sum[i] + (ok ? y[i] : 0);
            count[i + 1] = count[i] + (ok ? 1 : 0);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - half);
            int hi = Math.min(n, i + half + 1);
            int c = count[hi] - count[lo];
            out[i] = c == 0 ? Double.NaN : (sum[hi] - sum[lo]) / c;
        }
        return out;
    }
}
