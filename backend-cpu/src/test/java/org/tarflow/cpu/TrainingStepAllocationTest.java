package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * A training-shaped step (gradients zeroed, forward and backward of one pre-norm Transformer layer, width 128,
 * 49 tokens, batch 64) must allocate no new large arrays once the first iteration has filled the buffer pool. Checked two ways:
 * <ul>
 *   <li>the backend's count of fresh tensor buffers stays flat from the second step on;</li>
 *   <li>Flight Recorder's allocation events (every allocation that starts a new thread-local buffer or bypasses it,
 *       which every large array does) show no array of 64 KB or more in the steady-state steps.</li>
 * </ul>
 * The bytes allocated per step are printed too: once warm they are ~27 KB of small objects (tensor handles, graph
 * nodes). They are not asserted: the JIT occasionally leaves one Vector API call un-intrinsified in some compilation,
 * which boxes small vector objects (megabytes of short-lived garbage per step) without any large array.
 */
class TrainingStepAllocationTest {
    private static final int B = 64;
    private static final int T = 49;
    private static final int C = 128;
    /** Enough steps for C2 to compile every kernel (about 10⁴ loop iterations each). */
    private static final int STEPS = 40;
    private static final int MEASURED = 5;
    private static final long LARGE = 64 * 1024;

    @Test
    void steadyStateStepAllocatesNoLargeArrays() throws IOException {
        CpuBackend be = new CpuBackend(2, true);
        Random rng = new Random(1);
        Tensor[] p = {
            param(be, rng, C), param(be, rng, C), param(be, rng, 3 * C, C), param(be, rng, 3 * C),
            param(be, rng, C, C), param(be, rng, C), param(be, rng, C), param(be, rng, C),
            param(be, rng, 4 * C, C), param(be, rng, 4 * C), param(be, rng, C, 4 * C), param(be, rng, C),
        };
        float[] input = new float[B * T * C];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rng.nextGaussian();
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long buffersAfterFirst = 0;
        Path jfr = Files.createTempFile("allocation", ".jfr");
        List<String> large = new ArrayList<>();
        try (Recording rec = new Recording()) {
            for (int it = 0; it < STEPS; it++) {
                if (it == STEPS - MEASURED) {
                    rec.enable("jdk.ObjectAllocationInNewTLAB");
                    rec.enable("jdk.ObjectAllocationOutsideTLAB");
                    rec.start();
                }
                long[] ids = mx.getAllThreadIds();
                long before = total(mx.getThreadAllocatedBytes(ids));
                step(be, p, input);
                long bytes = total(mx.getThreadAllocatedBytes(ids)) - before;
                if (it == 0) {
                    buffersAfterFirst = be.allocationCount();
                }
                if (it < 3 || it >= STEPS - MEASURED) {
                    System.out.printf("  step %d: %,d bytes allocated on the heap, %d pooled buffers created so far%n",
                            it, bytes, be.allocationCount());
                }
            }
            rec.stop();
            rec.dump(jfr);
        }
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            long size = e.getLong("allocationSize");
            String type = e.getClass("objectClass").getName();
            if (size >= LARGE && type.startsWith("[")) {
                large.add(type + " of " + size + " bytes at " + (e.getStackTrace() == null ? "?"
                        : e.getStackTrace().getFrames().get(0).getMethod().getName()));
            }
        }
        Files.deleteIfExists(jfr);
        System.out.println("  arrays of 64 KB or more in the last " + MEASURED + " steps: " + large.size());
        assertEquals(buffersAfterFirst, be.allocationCount(), "steady-state steps created new tensor buffers");
        assertTrue(large.isEmpty(), "steady-state steps allocated large arrays: " + large);
    }

    private static void step(CpuBackend be, Tensor[] p, float[] input) {
        for (Tensor t : p) {
            t.zeroGrad(); // as the trainer does: the linear layers then write their weight gradients in place
        }
        try (MemoryScope ignored = MemoryScope.open()) {
            Tensor x = Tensor.of(be, input, B, T, C).requiresGrad(true);
            Tensor h = x.add(Tensor.linear(Tensor.linear(x.layerNorm(p[0], p[1], 1e-5), p[2], p[3])
                    .attention(2, 64, 0.125, true), p[4], p[5]));
            Tensor m = Tensor.linear(h.layerNorm(p[6], p[7], 1e-5), p[8], p[9]).gelu();
            h = h.add(Tensor.linear(m, p[10], p[11]));
            h.square().mean().backward();
        }
    }

    private static long total(long[] v) {
        long s = 0;
        for (long x : v) {
            if (x > 0) {
                s += x;
            }
        }
        return s;
    }

    private static Tensor param(CpuBackend be, Random rng, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.05 * rng.nextGaussian());
        }
        return Tensor.of(be, v, shape).requiresGrad(true);
    }
}
