package org.tarflow.cpu;

import java.util.Arrays;
import java.util.WeakHashMap;
import org.tarflow.tensor.GemmSpec;

/**
 * Packed copies of GEMM right operands that come back unchanged: a linear layer's weight W in y = x·Wᵀ, between
 * optimizer steps (sampling, denoising, evaluation). The GEMM otherwise transposes W into its NR-wide strips on every
 * call; config A's forward pass takes 3–4% less time without that (2 threads, 7 alternated runs, 4 Dec).
 *
 * <p>Staleness is ruled out by {@link FloatStorage#version}: every access to a storage through
 * {@link CpuBackend#data} counts as a write and bumps it, and only the GEMM reads its operands without bumping. An
 * entry is trusted only at the version it was packed at. A missed read-only access can only cost a repack, never
 * a wrong result.
 *
 * <p>An operand is packed into the cache on its second sighting at an unchanged version, so that weights which
 * change every step (training) and activations pass through with one map lookup and no copy. Copies are kept
 * first come, first served up to a budget ({@link CpuConfig#PACKED_WEIGHTS_MIB}, MiB, default
 * {@value CpuConfig#DEFAULT_PACKED_WEIGHTS_MIB}; 0 turns the cache off; config A's weights take 26 MB), and dropped
 * when their storage goes back to the pool or is collected, and on {@link CpuBackend#trimPool}.
 */
final class PackedWeights {
    /** The packed copy of op(B) [k, n] read at {@code offset} with row stride ldb, as of {@code version}. */
    static final class Entry {
        // no reference to the storage: the map holds storages weakly, and a value that pointed back would pin them
        private final int offset;
        private final int n;
        private final int k;
        private final int ldb;
        private int version;
        float[] packed;
        /** Set by the GEMM once it has filled {@code packed} at {@code version}. */
        boolean ready;

        private Entry(int offset, GemmSpec s, int version) {
            this.offset = offset;
            this.n = s.n();
            this.k = s.k();
            this.ldb = s.ldb();
            this.version = version;
        }

        private boolean matches(int off, GemmSpec s) {
            return offset == off && n == s.n() && k == s.k() && ldb == s.ldb();
        }
    }

    private final long budgetFloats;
    /**
     * Entries by storage, held weakly: a tensor dropped without {@code release()} must not stay alive because it was
     * once a GEMM operand. (FloatStorage keeps Object's identity equality.)
     */
    private final WeakHashMap<FloatStorage, Entry[]> entries = new WeakHashMap<>();
    private long hits;

    PackedWeights(long budgetMiB) {
        this.budgetFloats = budgetMiB * (1L << 20) / Float.BYTES;
    }

    /** Floats of packed op(B) for a spec: every k slice's NR-wide strips, n rounded up to whole strips. */
    static long packedSize(GemmSpec s) {
        long strips = (s.n() + GemmTiles.NR - 1) / GemmTiles.NR;
        return strips * GemmTiles.NR * s.k();
    }

    /**
     * The entry for op(B) of this product read from {@code storage} at {@code offset}: ready (skip packing), not
     * ready (pack into it on this call), or null (pack as usual: first sighting, changed since, or no budget left).
     */
    synchronized Entry lookup(FloatStorage storage, int offset, GemmSpec s) {
        if (budgetFloats == 0) {
            return null;
        }
        Entry[] list = entries.get(storage);
        Entry e = null;
        if (list != null) {
            for (Entry candidate : list) {
                if (candidate.matches(offset, s)) {
                    e = candidate;
                }
            }
        }
        if (e == null) {
            Entry[] grown = list == null ? new Entry[1] : Arrays.copyOf(list, list.length + 1);
            grown[grown.length - 1] = new Entry(offset, s, storage.version);
            entries.put(storage, grown);
            return null;
        }
        if (e.version != storage.version) {
            // written since: trust nothing until it is seen twice at one version again
            e.version = storage.version;
            e.ready = false;
            return null;
        }
        if (e.ready) {
            hits++;
            return e;
        }
        if (e.packed == null) {
            // first come, first kept: evicting for newcomers would repack (and reallocate) on every call once
            // the weights outgrow the budget
            long size = packedSize(s);
            if (floatsHeld() + size > budgetFloats) {
                return null;
            }
            e.packed = new float[(int) size];
        }
        return e;
    }

    private long floatsHeld() {
        long held = 0;
        for (Entry[] list : entries.values()) {
            for (Entry e : list) {
                held += e.packed == null ? 0 : e.packed.length;
            }
        }
        return held;
    }

    /** Forgets the entries of a storage that goes back to the pool. */
    synchronized void forget(FloatStorage storage) {
        if (!entries.isEmpty()) {
            entries.remove(storage);
        }
    }

    synchronized void clear() {
        entries.clear();
    }

    synchronized long bytesHeld() {
        return floatsHeld() * Float.BYTES;
    }

    /** Products that skipped packing (for tests). */
    synchronized long hits() {
        return hits;
    }
}
