package org.tarflow.tensor;

/**
 * Turns gradient recording off for the current thread inside a try-with-resources block. Ops run inside record no
 * graph and keep no saved tensors: sampling and evaluation run this way.
 *
 * <pre>{@code try (GradMode.Off off = GradMode.off()) { ... } }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {
    }

    /** A region without gradient recording; regions nest. */
    public static Off off() {
        DISABLED_DEPTH.get()[0]++;
        return new Off();
    }

    /** Whether ops on this thread currently record gradients. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /** Closing it restores the previous mode. */
    public static final class Off implements AutoCloseable {
        private boolean closed;

        private Off() {
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                DISABLED_DEPTH.get()[0]--;
            }
        }
    }
}
