package org.tarflow.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the end-to-end bench stops warming up: reps, then time, then a quiet JIT, within a cap. */
class WarmupTest {
    private static final long S = 1_000_000_000L;

    @Test
    void warmsUpForTheRepsAndTheSecondsThenUntilTheJitIsQuiet() {
        EndToEndBench.Warmup w = new EndToEndBench.Warmup(5, 3);
        assertTrue(w.goesOn(4, 0, 10 * S, 9), "fewer reps than asked");
        assertTrue(w.goesOn(9, 0, 2 * S, 9), "shorter than asked");
        assertTrue(w.goesOn(9, 0, 4 * S, 1), "the JIT compiled during one of the last two reps");
        assertFalse(w.goesOn(9, 0, 4 * S, 2), "two quiet reps after the minimum");
        assertFalse(w.goesOn(9, 0, (3 + EndToEndBench.Warmup.MAX_EXTRA_SECONDS) * S, 0), "the cap");
    }

    @Test
    void zeroSecondsMeansTheRepCountAlone() {
        EndToEndBench.Warmup w = new EndToEndBench.Warmup(2, 0);
        assertTrue(w.goesOn(1, 0, 0, 0));
        assertFalse(w.goesOn(2, 0, 0, 0), "no waiting for the JIT when the seconds are 0");
    }
}
