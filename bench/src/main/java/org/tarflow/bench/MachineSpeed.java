package org.tarflow.bench;

import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the cores deliver right now: vector FMA throughput with every operand in registers, on {@code threads}
 * threads at once. Nothing in it touches memory or any kernel of the library, so it moves only with the machine
 * (clock, and on a shared host the share of each core this VM gets). On the machine of DESIGN.md it read 177–222
 * GFLOP/s a core within an hour, while the GEMM's micro-kernel ran at 132–212 and config A's training step took
 * 274–344 ms; printed beside the end-to-end figures, it tells a slow machine from a slow change.
 */
public final class MachineSpeed {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators: two FMA pipes × four cycles of latency need eight; twelve leave slack. */
    private static final int CHAINS = 12;
    private static final int STEPS_PER_CALL = 1 << 12;
    private static final long WARMUP_NANOS = 400_000_000L;
    @SuppressWarnings("unused")
    private static volatile float sink;
    private static volatile boolean warm;

    private MachineSpeed() {
    }

    /**
     * FP32 GFLOP/s per thread, the mean over {@code threads} threads that run the FMA loop together for about
     * {@code millis} ms (the first call runs it untimed for 0.4 s before, so that the loop is compiled).
     */
    public static double fmaGflopsPerThread(int threads, long millis) {
        if (threads < 1 || millis < 1) {
            throw new IllegalArgumentException("threads and millis must be >= 1, got " + threads + ", " + millis);
        }
        if (!warm) {
            spin(WARMUP_NANOS); // compile the loop before any timing (60 ms left it interpreted)
            warm = true;
        }
        AtomicLong flops = new AtomicLong();
        Thread[] team = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            team[t] = new Thread(() -> flops.addAndGet(spin(millis * 1_000_000L)), "machine-speed-" + t);
            team[t].start();
        }
        try {
            for (Thread t : team) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return flops.get() / seconds / 1e9 / threads;
    }

    /** Runs FMA chains for about {@code nanos}; returns the flops done (2 per lane per FMA). */
    static long spin(long nanos) {
        float[] state = new float[CHAINS * F.length()];
        java.util.Arrays.fill(state, 1f);
        long steps = 0;
        long end = System.nanoTime() + nanos;
        do {
            chains(state);
            steps += STEPS_PER_CALL;
        } while (System.nanoTime() < end);
        float s = 0f;
        for (float v : state) {
            s += v;
        }
        sink = s; // read the chains once, so that the JIT cannot drop them
        return steps * CHAINS * 2L * F.length();
    }

    /**
     * {@link #STEPS_PER_CALL} steps of twelve independent FMA chains c ← c·m + a, which stay near a fixed point (no
     * overflow, no subnormals). A method of its own, called again and again, so that it is compiled as a whole and
     * its vectors live in registers; as one long loop it ran from on-stack replacement at a third of the speed.
     */
    private static void chains(float[] state) {
        int l = F.length();
        FloatVector m = FloatVector.broadcast(F, 0.999999f);
        FloatVector a = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.fromArray(F, state, 0);
        FloatVector c1 = FloatVector.fromArray(F, state, l);
        FloatVector c2 = FloatVector.fromArray(F, state, 2 * l);
        FloatVector c3 = FloatVector.fromArray(F, state, 3 * l);
        FloatVector c4 = FloatVector.fromArray(F, state, 4 * l);
        FloatVector c5 = FloatVector.fromArray(F, state, 5 * l);
        FloatVector c6 = FloatVector.fromArray(F, state, 6 * l);
        FloatVector c7 = FloatVector.fromArray(F, state, 7 * l);
        FloatVector c8 = FloatVector.fromArray(F, state, 8 * l);
        FloatVector c9 = FloatVector.fromArray(F, state, 9 * l);
        FloatVector c10 = FloatVector.fromArray(F, state, 10 * l);
        FloatVector c11 = FloatVector.fromArray(F, state, 11 * l);
        for (int i = 0; i < STEPS_PER_CALL; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        c0.intoArray(state, 0);
        c1.intoArray(state, l);
        c2.intoArray(state, 2 * l);
        c3.intoArray(state, 3 * l);
        c4.intoArray(state, 4 * l);
        c5.intoArray(state, 5 * l);
        c6.intoArray(state, 6 * l);
        c7.intoArray(state, 7 * l);
        c8.intoArray(state, 8 * l);
        c9.intoArray(state, 9 * l);
        c10.intoArray(state, 10 * l);
        c11.intoArray(state, 11 * l);
    }
}
