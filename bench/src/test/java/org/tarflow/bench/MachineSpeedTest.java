package org.tarflow.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MachineSpeedTest {
    @Test
    void measuresAPlausibleFmaRate() {
        // positive, and under what any x86 core can do (4 GHz × 2 FMA pipes × 16 float lanes × 2 flops = 256)
        double perThread = MachineSpeed.fmaGflopsPerThread(2, 50);
        assertTrue(perThread > 0 && perThread < 256, "FMA rate per thread " + perThread);
    }

    @Test
    void countsTheFlopsOfEveryChain() {
        // a fixed run length cannot be asserted in time, but the count is exact: whole calls of 12 chains, 2 flops
        // per lane
        long flops = MachineSpeed.spin(1);
        long perCall = 12L * 2 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() * (1 << 12);
        assertTrue(flops > 0 && flops % perCall == 0, flops + " flops is not a whole number of calls of " + perCall);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> MachineSpeed.fmaGflopsPerThread(0, 10));
        assertThrows(IllegalArgumentException.class, () -> MachineSpeed.fmaGflopsPerThread(1, 0));
    }
}
