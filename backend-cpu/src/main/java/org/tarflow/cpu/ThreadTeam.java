package org.tarflow.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads for data-parallel kernels. {@link #run} hands out task indices from a shared counter; the
 * calling thread works too, so a team of n uses n − 1 helper threads. Helpers spin briefly between jobs before they
 * park, which keeps the many small launches of token-by-token sampling cheap. A job started from inside a job, or
 * while another thread holds the team, runs serially on the caller.
 */
public final class ThreadTeam {
    /** A loop body over task indices [0, tasks). */
    @FunctionalInterface
    public interface Body {
        void run(int task);
    }

    private static final class Job {
        final Body body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;

        Job(Body body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }
    }

    private static final int SPINS_BEFORE_PARK = 1 << 16;
    private static final ThreadLocal<Boolean> IN_JOB = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final int size;
    private final Helper[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job current;

    public ThreadTeam(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("thread team size must be >= 1, got " + size);
        }
        this.size = size;
        this.helpers = new Helper[size - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(i + 1);
            helpers[i].start();
        }
    }

    public int size() {
        return size;
    }

    /** Runs body(0 .. tasks−1) across the team and returns when all are done; rethrows the first failure. */
    public void run(int tasks, Body body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || size == 1 || IN_JOB.get() || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) {
                body.run(i);
            }
            return;
        }
        try {
            Job job = new Job(body, tasks);
            current = job;
            for (Helper h : helpers) {
                if (h.parked) {
                    LockSupport.unpark(h);
                }
            }
            work(job);
            while (job.done.get() < tasks) {
                Thread.onSpinWait();
            }
            Throwable err = job.error;
            if (err instanceof RuntimeException re) {
                throw re;
            }
            if (err instanceof Error e) {
                throw e;
            }
            if (err != null) {
                throw new IllegalStateException(err);
            }
        } finally {
            busy.set(false);
        }
    }

    private static void work(Job job) {
        IN_JOB.set(Boolean.TRUE);
        try {
            int i;
            while ((i = job.next.getAndIncrement()) < job.tasks) {
                try {
                    if (job.error == null) {
                        job.body.run(i);
                    }
                } catch (Throwable t) {
                    if (job.error == null) {
                        job.error = t;
                    }
                } finally {
                    job.done.incrementAndGet();
                }
            }
        } finally {
            IN_JOB.set(Boolean.FALSE);
        }
    }

    private final class Helper extends Thread {
        volatile boolean parked;

        Helper(int index) {
            super("tarflow-cpu-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            int idle = 0;
            while (true) {
                Job job = current;
                if (job != last) {
                    last = job;
                    idle = 0;
                    work(job);
                    continue;
                }
                if (idle++ < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (current == last) {
                    LockSupport.park(this);
                }
                parked = false;
                idle = 0;
            }
        }
    }
}
