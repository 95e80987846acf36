package org.tarflow.train.optim;

/**
 * The recipe's learning rate: linear warm-up from {@code start} to {@code peak} over {@code warmupSteps}, then a
 * cosine from {@code peak} down to {@code end} at {@code totalSteps}. Steps count from 0.
 */
public record LrSchedule(double peak, long warmupSteps, long totalSteps, double start, double end) {
    public static final double RECIPE_FLOOR = 1e-6;

    public LrSchedule {
        if (!(peak > 0) || Double.isInfinite(peak)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + peak);
        }
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("schedule: warm-up " + warmupSteps + " and total " + totalSteps
                    + " steps must be >= 0 and >= 1");
        }
    }

    public static LrSchedule recipe(double peak, long warmupSteps, long totalSteps) {
        return new LrSchedule(peak, warmupSteps, totalSteps, RECIPE_FLOOR, RECIPE_FLOOR);
    }

    public double at(long step) {
        long warm = Math.min(warmupSteps, totalSteps);
        if (step < warm) {
            return start + (peak - start) * step / warm;
        }
        long span = totalSteps - warm;
        if (span <= 0) {
            return peak;
        }
        double t = Math.min(1.0, (double) (step - warm) / span);
        return end + 0.5 * (peak - end) * (1 + Math.cos(Math.PI * t));
    }
}
