package org.tarflow.tensor.reference;

/**
 * The error function to double precision, for the reference backend and as a test oracle for faster
 * approximations. erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): every term has the sign of x, so the
 * sum has no cancellation; beyond |x| = 6, erf is ±1 within double rounding (erfc(6) ≈ 2·10⁻¹⁷).
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Erf() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax >= 6.0) {
            return Math.copySign(1.0, x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 0; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 3);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return Math.copySign(Math.min(1.0, TWO_OVER_SQRT_PI * Math.exp(-x2) * sum), x);
    }

    /** Exact GELU: x·Φ(x). */
    public static double gelu(double x) {
        return 0.5 * x * (1.0 + erf(x * INV_SQRT_2));
    }

    /** d GELU / dx = Φ(x) + x·φ(x). */
    public static double geluDerivative(double x) {
        double cdf = 0.5 * (1.0 + erf(x * INV_SQRT_2));
        return cdf + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }
}
