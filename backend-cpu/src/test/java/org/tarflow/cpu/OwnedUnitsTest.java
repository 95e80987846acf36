package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The owned-units split behind the GEMM's owned paths: each unit runs once, a blocked owner's units are taken. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnedUnitsTest {
    private static final int[][] COUNTS = {{10, 10}, {0, 7}, {5, 0, 9}, {1, 1, 1, 1}, {64, 3, 17}};

    @Test
    void everyUnitRunsExactlyOnceWithAndWithoutTaking() {
        for (int[] counts : COUNTS) {
            for (boolean wait : new boolean[] {false, true}) {
                for (boolean take : new boolean[] {false, true}) {
                    ThreadTeam team = new ThreadTeam(counts.length);
                    AtomicIntegerArray[] runs = new AtomicIntegerArray[counts.length];
                    for (int v = 0; v < counts.length; v++) {
                        runs[v] = new AtomicIntegerArray(Math.max(1, counts[v]));
                    }
                    OwnedUnits work = new OwnedUnits(counts, wait, take);
                    team.run(counts.length, t -> {
                        work.prepare(t, () -> { });
                        work.drain(t, (v, u) -> {
                            if (u % 3 == 0) {
                                Thread.yield(); // uneven units, so that taking has something to do
                            }
                            runs[v].incrementAndGet(u);
                        });
                    });
                    for (int v = 0; v < counts.length; v++) {
                        for (int u = 0; u < counts[v]; u++) {
                            assertEquals(1, runs[v].get(u), "owner " + v + " unit " + u + " (wait " + wait
                                    + ", take " + take + ")");
                        }
                    }
                    assertFalse(work.anyLeft());
                    if (!take) {
                        assertEquals(0, work.taken(), "without taking, each owner runs only its own units");
                    }
                }
            }
        }
    }

    @Test
    void anOwnerStuckInAUnitHasItsOtherUnitsTaken() {
        // owner 0's first unit returns only once its second has run, which only another thread can do. Owner 1's
        // first unit waits until owner 0 is inside that unit (so prepared): otherwise, where owner 0's thread starts
        // late, owner 1's thread finds it not started, passes it over as designed, and nobody is left to take it
        ThreadTeam team = new ThreadTeam(2);
        OwnedUnits work = new OwnedUnits(new int[] {4, 4}, true, true);
        AtomicBoolean stuck = new AtomicBoolean();
        AtomicBoolean secondRan = new AtomicBoolean();
        team.run(2, t -> {
            work.prepare(t, () -> { });
            work.drain(t, (v, u) -> {
                if (v == 0 && u == 0) {
                    stuck.set(true);
                    spinUntil(secondRan);
                } else if (v == 0 && u == 1) {
                    secondRan.set(true);
                } else if (v == 1 && u == 0) {
                    spinUntil(stuck);
                }
            });
        });
        assertTrue(secondRan.get());
        assertTrue(work.taken() >= 1, "owner 0's second unit must have been taken, taken = " + work.taken());
    }

    /** Spins until the flag is set, for at most 30 s (the test's assertions then report what did not happen). */
    private static void spinUntil(AtomicBoolean flag) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!flag.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    @Test
    void takersWaitForAnOwnersPreparationAndPassOverAFailedOne() {
        ThreadTeam team = new ThreadTeam(2);
        for (int round = 0; round < 20; round++) {
            // units read what their owner prepared: no unit may run before that is complete
            OwnedUnits work = new OwnedUnits(new int[] {6, 6}, true, true);
            boolean[] prepared = new boolean[2];
            AtomicBoolean early = new AtomicBoolean();
            team.run(2, t -> {
                work.prepare(t, () -> {
                    Thread.yield();
                    prepared[t] = true;
                });
                work.drain(t, (v, u) -> {
                    if (!prepared[v]) {
                        early.set(true);
                    }
                });
            });
            assertFalse(early.get(), "a unit ran before its owner's preparation was visible");
        }
        // a preparation that throws: the failure reaches the caller, and no taker waits for it forever
        OwnedUnits work = new OwnedUnits(new int[] {3, 3}, true, true);
        AtomicIntegerArray ran = new AtomicIntegerArray(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.run(2, t -> {
            work.prepare(t, () -> {
                if (t == 1) {
                    throw new IllegalStateException("packing failed");
                }
            });
            work.drain(t, (v, u) -> ran.incrementAndGet(v));
        }));
        assertEquals("packing failed", e.getMessage());
        // (owner 0's units ran or not, depending on whether the team had seen the failure before it started them)
        assertEquals(0, ran.get(1), "units of an owner whose preparation failed must not run");
    }
}
