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
        double[] smooth = new double[points.size()];
        double avg = points.get(0)[1];
        double alpha = Math.min(0.5, 20.0 / points.size());
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
            avg = Double.isFinite(y[i]) ? (1 - alpha) * avg + alpha * y[i] : avg;
            smooth[i] = avg;
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step")
                .yAxisTitle("loss (nats/dim)").build();
        chart.getStyler().setLegendVisible(true);
        XYSeries raw = chart.addSeries("loss", x, y);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineWidth(0.6f);
        XYSeries s = chart.addSeries("smoothed", x, smooth);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineWidth(2f);
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
