package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * A training-shaped step (forward and backward of one pre-norm Transformer layer, width 128, 49 tokens, batch 64)
 * must allocate no new large arrays once the first iteration has filled the buffer pool. Checked two ways: the
 * backend's count of fresh buffers stays flat from the second step on, and, once the JIT has compiled the kernels
 * (interpreted Vector API code boxes every vector), the bytes the JVM allocated on all threads per step stay far
 * below the smallest activation (64·49·128 floats = 1.6 MB), so no activation-sized array can have been created.
 */
class TrainingStepAllocationTest {
    private static final int B = 64;
    private static final int T = 49;
    private static final int C = 128;
    /** Enough steps for C2 to compile every kernel (about 10⁴ loop iterations each). */
    private static final int STEPS = 40;
    private static final int MEASURED = 5;

    @Test
    void steadyStateStepAllocatesNoLargeArrays() {
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
        long worstBytes = 0;
        for (int it = 0; it < STEPS; it++) {
            long[] ids = mx.getAllThreadIds();
            long before = total(mx.getThreadAllocatedBytes(ids));
            try (MemoryScope ignored = MemoryScope.open()) {
                Tensor x = Tensor.of(be, input, B, T, C).requiresGrad(true);
                Tensor h = x.add(Tensor.linear(Tensor.linear(x.layerNorm(p[0], p[1], 1e-5), p[2], p[3])
                        .attention(2, 64, 0.125, true), p[4], p[5]));
                Tensor m = Tensor.linear(h.layerNorm(p[6], p[7], 1e-5), p[8], p[9]).gelu();
                h = h.add(Tensor.linear(m, p[10], p[11]));
                h.square().mean().backward();
            }
            long bytes = total(mx.getThreadAllocatedBytes(ids)) - before;
            if (it == 0) {
                buffersAfterFirst = be.allocationCount();
            } else if (it >= STEPS - MEASURED) {
                worstBytes = Math.max(worstBytes, bytes);
            }
            if (it < 3 || it >= STEPS - MEASURED) {
                System.out.printf("  step %d: %,d bytes allocated on the heap, %d pooled buffers created so far%n", it,
                        bytes, be.allocationCount());
            }
        }
        assertEquals(buffersAfterFirst, be.allocationCount(), "steady-state steps created new tensor buffers");
        long smallestActivation = 4L * B * T * C;
        assertTrue(worstBytes < smallestActivation / 4, "a steady-state step allocated " + worstBytes
                + " bytes, close to an activation's " + smallestActivation);
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
