package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smoothed training curve: centred (no lag), NaN steps skipped; and the PNG is written. */
class LossPlotTest {
    @TempDir
    Path dir;

    @Test
    void centredMeanDoesNotLagAStepAndSkipsNaN() {
        double[] y = {1, 1, 1, 1, 0, 0, 0, 0};
        double[] s = LossPlot.centredMean(y, 1);
        assertEquals(1.0, s[2], 1e-12, "before the step");
        assertEquals(2.0 / 3, s[3], 1e-12, "the window straddles the step symmetrically");
        assertEquals(1.0 / 3, s[4], 1e-12);
        assertEquals(0.0, s[5], 1e-12, "after the step");
        double[] gaps = LossPlot.centredMean(new double[] {2, Double.NaN, 4}, 1);
        assertEquals(3.0, gaps[1], 1e-12, "NaN left out of the mean");
        assertTrue(Double.isNaN(LossPlot.centredMean(new double[] {Double.NaN}, 1)[0]));
    }

    @Test
    void writesAPngFromTheMetricsFile() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append("{\"step\":").append(i).append(",\"loss\":").append(1.0 / (1 + i)).append("}\n");
        }
        Files.writeString(metrics, sb.toString());
        Path png = dir.resolve("loss.png");
        LossPlot.write(metrics, png, "test");
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG");
    }
}
