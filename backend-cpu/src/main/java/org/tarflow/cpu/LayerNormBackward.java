package org.tarflow.cpu;

import org.tarflow.tensor.Tensor;

/**
 * LayerNorm's backward pass over row blocks: gx row by row, and the γ and β gradients as per-block partial sums
 * (no two threads write one column) combined in double at the end. The partials buffer is reused across calls.
 */
final class LayerNormBackward {
    private static final int GRAIN = 1 << 15;
    private static final ThreadLocal<float[][]> SCRATCH_ROWS = ThreadLocal.withInitial(() -> new float[2][0]);
    private float[] normPartials = new float[0];

    /** This thread's zeroed row scratch number {@code slot} (0 or 1), at least n long. */
    private static float[] zeroedRow(int slot, int n) {
        float[][] s = SCRATCH_ROWS.get();
        if (s[slot].length < n) {
            s[slot] = new float[n];
        }
        java.util.Arrays.fill(s[slot], 0, n, 0f);
        return s[slot];
    }

    void run(ThreadTeam team, boolean simd, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows,
             int cols, Tensor gx, Tensor gGamma, Tensor gBeta) {
        float[] xs = CpuBackend.data(x);
        float[] g = gamma == null ? null : CpuBackend.data(gamma);
        int go = gamma == null ? 0 : gamma.offset();
        float[] ms = CpuBackend.data(mean);
        float[] rs = CpuBackend.data(rstd);
        float[] gys = CpuBackend.data(gy);
        float[] gxs = gx == null ? null : CpuBackend.data(gx);
        boolean wantG = gGamma != null;
        boolean wantB = gBeta != null;
        int rowsPerTask = Math.max(16, Math.min(256, (rows + team.size() * 4 - 1) / (team.size() * 4)));
        int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
        // partials per task: [tasks][2][cols] (γ then β), combined below in double
        synchronized (this) {
            if (normPartials.length < tasks * 2 * cols) {
                normPartials = new float[tasks * 2 * cols];
            }
            float[] partials = normPartials;
            java.util.Arrays.fill(partials, 0, tasks * 2 * cols, 0f);
            ThreadTeam.Body body = t -> {
                int from = t * rowsPerTask;
                int to = Math.min(rows, from + rowsPerTask);
                float[] pg = wantG ? zeroedRow(0, cols) : null;
                float[] pb = wantB ? zeroedRow(1, cols) : null;
                for (int r = from; r < to; r++) {
                    Norms.layerNormBackwardRow(simd, xs, x.offset() + r * cols, g, go, ms[mean.offset() + r],
                            rs[rstd.offset() + r], gys, gy.offset() + r * cols, cols, gxs,
                            gx == null ? 0 : gx.offset() + r * cols, pg, pb);
                }
                if (pg != null) {
                    System.arraycopy(pg, 0, partials, t * 2 * cols, cols);
                }
                if (pb != null) {
                    System.arraycopy(pb, 0, partials, t * 2 * cols + cols, cols);
                }
            };
            if ((long) rows * cols < GRAIN) {
                for (int t = 0; t < tasks; t++) {
                    body.run(t);
                }
            } else {
                team.run(tasks, body);
            }
            for (int which = 0; which < 2; which++) {
                Tensor target = which == 0 ? gGamma : gBeta;
                if (target == null) {
                    continue;
                }
                float[] ts = CpuBackend.data(target);
                for (int c = 0; c < cols; c++) {
                    double acc = 0;
                    for (int t = 0; t < tasks; t++) {
                        acc += partials[t * 2 * cols + which * cols + c];
                    }
                    ts[target.offset() + c] += (float) acc;
                }
            }
        }
    }
}
