package org.tarflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterleaveTest {
    @Test
    void backendsTakeTurnsAndNoneAlwaysGoesFirst() {
        List<Integer> calls = new ArrayList<>();
        Runnable[] bodies = new Runnable[3];
        for (int b = 0; b < 3; b++) {
            int id = b;
            bodies[b] = () -> calls.add(id);
        }
        double[][] ms = EndToEndBench.timeInTurn(bodies, 4);
        assertEquals(List.of(0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2), calls);
        assertEquals(3, ms.length);
        for (double[] row : ms) {
            assertEquals(4, row.length);
            for (double t : row) {
                assertTrue(t >= 0, "a repetition took " + t + " ms");
            }
        }
    }

    @Test
    void eachTimeBelongsToItsOwnBody() throws Exception {
        // body 1 sleeps, body 0 does not: the times must land in the right rows whatever the turn order
        Runnable[] bodies = {() -> { }, () -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }};
        double[][] ms = EndToEndBench.timeInTurn(bodies, 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(ms[1][i] >= 19, "sleeping body's repetition " + i + " took " + ms[1][i] + " ms");
            assertTrue(ms[0][i] < ms[1][i], "empty body's repetition " + i + " took " + ms[0][i] + " ms");
        }
    }
}
