package org.tarflow.train;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long loop: a progress bar with rate and ETA on an interactive terminal, plain lines every
 * {@code intervalSeconds} otherwise (logs, CI, pipes). A total of {@link #UNKNOWN} (a time-bounded run before it
 * has measured its speed) shows the position alone.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream plain;
    private final String task;
    private long total;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private long current;

    public static final long UNKNOWN = -1;

    public Progress(String task, long initial, long total, double intervalSeconds) {
        this.task = task;
        this.total = total;
        this.current = initial;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        boolean interactive = System.console() != null && !"dumb".equals(System.getenv("TERM"))
                && !"true".equals(System.getenv("CI"));
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).continuousUpdate().startsFrom(initial, java.time.Duration.ZERO)
                    .build();
            plain = null;
        } else {
            bar = null;
            plain = System.out;
        }
    }

    /** Moves to {@code position} with a short status (loss, speed). */
    public void update(long position, String status) {
        current = position;
        if (bar != null) {
            bar.stepTo(position);
            bar.setExtraMessage(status);
            return;
        }
        long now = System.nanoTime();
        if (now - lastPrint >= intervalNanos || total > 0 && position >= total) {
            lastPrint = now;
            String elapsed = duration((now - start) / 1e9);
            if (total > 0) {
                plain.printf(Locale.ROOT, "%s %d/%d (%.1f%%) %s elapsed %s%n", task, position, total,
                        100.0 * position / total, status, elapsed);
            } else {
                plain.printf(Locale.ROOT, "%s %d %s elapsed %s%n", task, position, status, elapsed);
            }
        }
    }

    /** Changes the end (a time-bounded run fixes its length after calibration). */
    public void setTotal(long newTotal) {
        total = newTotal;
        if (bar != null) {
            bar.maxHint(newTotal);
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    public long current() {
        return current;
    }
}
