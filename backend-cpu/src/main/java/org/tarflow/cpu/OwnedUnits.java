package org.tarflow.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Work cut into one range of units per owner (a {@link ThreadTeam} task), where each owner runs its own units first,
 * in order, and then takes the units the other owners have not claimed yet. Owning keeps each thread on what it
 * prepared itself (its packed strips, in its own cache); taking the rest means that a thread which started late, or
 * runs on a core slowed by something else on the machine, no longer holds up the whole product: a static split left
 * the threads of config A's owned-column products idle for 6–11% of their span.
 *
 * <p>Where a unit reads what its owner prepares (packed strips of B), {@code waitForOwner} makes a taker wait for an
 * owner that is preparing ({@link #prepare}) and pass over one that has not started or whose preparation failed (its units are then run by whichever thread the
 * team hands that owner to). An owner does not return before all its units are done, so whatever they read stays
 * untouched until then, even when the same thread goes on to prepare another owner's units in the same buffers.
 */
final class OwnedUnits {
    /** Unit {@code unit} of owner {@code owner}. */
    @FunctionalInterface
    interface Body {
        void run(int owner, int unit);
    }

    private static final int IDLE = 0;
    private static final int PREPARING = 1;
    private static final int READY = 2;
    private static final int ABANDONED = 3;

    private final int[] counts;
    private final boolean waitForOwner;
    private final boolean take;
    private final AtomicIntegerArray next;
    private final AtomicIntegerArray done;
    private final AtomicIntegerArray state;
    private final AtomicInteger taken = new AtomicInteger();

    /**
     * counts[v]: the number of units owner v has; waitForOwner: see the class comment; take false: each owner runs
     * only its own units (the static split, for comparisons).
     */
    OwnedUnits(int[] counts, boolean waitForOwner, boolean take) {
        this.counts = counts.clone();
        this.waitForOwner = waitForOwner;
        this.take = take;
        this.next = new AtomicIntegerArray(counts.length);
        this.done = new AtomicIntegerArray(counts.length);
        this.state = new AtomicIntegerArray(counts.length);
    }

    /**
     * Runs what the owner's units read (packing), while takers wait; afterwards it is visible to every thread that
     * takes a unit (a volatile write and read). Where it throws, the owner's units are left to no one.
     */
    void prepare(int owner, Runnable preparation) {
        state.set(owner, PREPARING);
        boolean ok = false;
        try {
            preparation.run();
            ok = true;
        } finally {
            state.set(owner, ok ? READY : ABANDONED);
        }
    }

    /** Whether some unit of some owner is still unclaimed. */
    boolean anyLeft() {
        for (int v = 0; v < counts.length; v++) {
            if (next.get(v) < counts[v]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs the owner's own units, then those of the others that are left, and returns once every unit of the
     * owner's is done (some may be finishing on other threads).
     */
    void drain(int owner, Body body) {
        claim(owner, owner, body);
        int owners = counts.length;
        for (int d = 1; d < owners && take; d++) {
            int v = (owner + d) % owners;
            if (waitForOwner) {
                int s;
                while ((s = state.get(v)) == PREPARING) {
                    Thread.onSpinWait();
                }
                if (s != READY) {
                    continue;
                }
            }
            claim(v, owner, body);
        }
        while (done.get(owner) < counts[owner]) {
            Thread.onSpinWait();
        }
    }

    private void claim(int v, int self, Body body) {
        int u;
        while ((u = next.getAndIncrement(v)) < counts[v]) {
            try {
                body.run(v, u);
            } finally {
                done.incrementAndGet(v);
            }
            if (v != self) {
                taken.incrementAndGet();
            }
        }
    }

    /** Units run by a thread other than their owner's (for tests and probes). */
    int taken() {
        return taken.get();
    }
}
