package org.tarflow.cpu;

/**
 * Switches read once at start-up (system properties), so that the JIT sees them as constants:
 * <ul>
 *   <li>{@code tarflow.threads}: worker threads (default: all available processors);</li>
 *   <li>{@code tarflow.cpu.simd}: {@code false} runs every kernel's scalar twin (the SIMD kernels' oracle);</li>
 *   <li>{@code tarflow.cpu.vectorBits}: force the vector width (128, 256 or 512; default: the CPU's preferred);</li>
 *   <li>{@code tarflow.cpu.packedWeightsMiB}: the budget of {@link PackedWeights}, MiB (default 256; 0 keeps no packed
 *   copies).</li>
 * </ul>
 */
public final class CpuConfig {
    public static final String THREADS = "tarflow.threads";
    public static final String SIMD = "tarflow.cpu.simd";
    public static final String VECTOR_BITS = "tarflow.cpu.vectorBits";
    public static final String PACKED_WEIGHTS_MIB = "tarflow.cpu.packedWeightsMiB";
    static final int DEFAULT_PACKED_WEIGHTS_MIB = 256;

    private CpuConfig() {
    }

    public static int defaultThreads() {
        return (int) wholeNumber(THREADS, Runtime.getRuntime().availableProcessors(), 1, "a positive integer");
    }

    /** The budget of {@link PackedWeights} in MiB; 0 turns the cache off. */
    public static long packedWeightsMiB() {
        return wholeNumber(PACKED_WEIGHTS_MIB, DEFAULT_PACKED_WEIGHTS_MIB, 0,
                "a whole number of MiB (0 turns the cache off)");
    }

    /** The property as a whole number of at least {@code min}, or {@code absent} where it is not set. */
    private static long wholeNumber(String property, long absent, long min, String what) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            return absent;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + property + " must be " + what + ", got '" + v + "'");
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
