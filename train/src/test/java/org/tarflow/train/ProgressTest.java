package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Plain-line progress (tests have no console): no line per step while the total is unknown, a final line after. */
class ProgressTest {
    @Test
    void anUnknownTotalPrintsOnlyOnTheIntervalAndAKnownOneAtItsEnd() {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try (Progress p = new Progress("train", 0, Progress.UNKNOWN, 3600)) {
            for (int step = 1; step <= 50; step++) {
                p.update(step, "loss 1.0");
            }
            assertEquals("", buf.toString(StandardCharsets.UTF_8), "a line per step while calibrating");
            p.setTotal(60);
            p.update(60, "loss 0.5");
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("train 60/60 (100.0%) loss 0.5 elapsed "), out);
        assertFalse(out.contains("/-1"), out);
    }
}
