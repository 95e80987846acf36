package org.tarflow.cpu;

/**
 * Switches read once at start-up (system properties), so that the JIT sees them as constants:
 * <ul>
 *   <li>{@code tarflow.threads}: worker threads (default: all available processors);</li>
 *   <li>{@code tarflow.cpu.simd}: {@code false} runs every kernel's scalar twin (the SIMD kernels' oracle);</li>
 *   <li>{@code tarflow.cpu.vectorBits}: force the vector width (128, 256 or 512; default: the CPU's preferred).</li>
 * </ul>
 */
public final class CpuConfig {
    public static final String THREADS = "tarflow.threads";
    public static final String SIMD = "tarflow.cpu.simd";
    public static final String VECTOR_BITS = "tarflow.cpu.vectorBits";

    private CpuConfig() {
    }

    public static int defaultThreads() {
        String v = System.getProperty(THREADS);
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + THREADS + " must be a positive integer, got '" + v + "'");
        }
    }

    public static boolean simdEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty(SIMD, "true").trim());
    }

    /** 0 when not forced. */
    public static int forcedVectorBits() {
        String v = System.getProperty(VECTOR_BITS);
        if (v == null || v.isBlank()) {
            return 0;
        }
        int bits = Integer.parseInt(v.trim());
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("-D" + VECTOR_BITS + " must be 128, 256 or 512, got " + v);
        }
        return bits;
    }
}
