package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.BinaryOp;
import org.tarflow.tensor.UnaryOp;

/**
 * Elementwise kernels over float arrays: unary functions and their derivatives, affine maps, broadcasting binary
 * ops and strided copies. Each has a vector body and a scalar tail/twin that evaluates the same formula; {@code simd}
 * false runs the twin alone. Callers split large ranges across threads.
 */
final class Elementwise {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    private Elementwise() {
    }

    // ------------------------------------------------------------------ unary

    static float apply(UnaryOp op, float x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> VecMath.exp(x);
            case LOG -> (float) Math.log(x);
            case SQUARE -> x * x;
            case SQRT -> (float) Math.sqrt(x);
            case GELU -> VecMath.gelu(x);
            case TANH -> (float) Math.tanh(x);
        };
    }

    /**
     * y[yo..yo+n) = op(x[xo..xo+n)). Every vector loop sits in a method of its own: a switch inside one loop merges
     * vectors from several branches, and one method holding many loops outgrows C2's inlining budget; either way C2
     * stops keeping vectors in registers and boxes them (allocating per element).
     */
    static void unary(boolean simd, UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (simd) {
            i = switch (op) {
                case NEG -> negLoop(x, xo, y, yo, n);
                case EXP -> expLoop(x, xo, y, yo, n);
                case SQUARE -> squareLoop(x, xo, y, yo, n);
                case SQRT -> sqrtLoop(x, xo, y, yo, n);
                case GELU -> geluLoop(x, xo, y, yo, n);
                case LOG, TANH -> 0; // scalar library calls below
            };
        }
        for (; i < n; i++) {
            y[yo + i] = apply(op, x[xo + i]);
        }
    }

    private static int negLoop(float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).neg().intoArray(y, yo + i);
        }
        return bound;
    }

    private static int expLoop(float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            VecMath.exp(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return bound;
    }

    private static int squareLoop(float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).mul(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return bound;
    }

    private static int sqrtLoop(float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(y, yo + i);
        }
        return bound;
    }

    private static int geluLoop(float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            VecMath.gelu(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return bound;
    }

    static float derivative(UnaryOp op, float x, float y) {
        return switch (op) {
            case NEG -> -1f;
            case EXP -> y;
            case LOG -> 1f / x;
            case SQUARE -> 2f * x;
            case SQRT -> 0.5f / y;
            case GELU -> VecMath.geluDerivative(x);
            case TANH -> 1f - y * y;
        };
    }

    /** gx (+)= gy·op'(x) over n elements (one vector loop per method, see {@link #unary}). */
    static void unaryBackward(boolean simd, UnaryOp op, float[] x, int xo, float[] y, int yo, float[] gy, int gyo,
                              float[] gx, int gxo, int n, boolean acc) {
        if (acc) {
            // rare (no op in this library asks for it): evaluate the scalar formula in place
            for (int i = 0; i < n; i++) {
                gx[gxo + i] += gy[gyo + i] * derivative(op, x[xo + i], y[yo + i]);
            }
            return;
        }
        int i = 0;
        if (simd) {
            i = switch (op) {
                case NEG -> negBackLoop(gy, gyo, gx, gxo, n);
                case EXP -> mulLoop(gy, gyo, y, yo, 1f, gx, gxo, n);
                case SQUARE -> mulLoop(gy, gyo, x, xo, 2f, gx, gxo, n);
                case LOG -> divLoop(gy, gyo, x, xo, 1f, gx, gxo, n);
                case SQRT -> divLoop(gy, gyo, y, yo, 0.5f, gx, gxo, n);
                case GELU -> geluBackLoop(x, xo, y, yo, gy, gyo, gx, gxo, n);
                case TANH -> tanhBackLoop(y, yo, gy, gyo, gx, gxo, n);
            };
        }
        for (; i < n; i++) {
            gx[gxo + i] = gy[gyo + i] * derivative(op, x[xo + i], y[yo + i]);
        }
    }

    private static int negBackLoop(float[] gy, int gyo, float[] gx, int gxo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, gy, gyo + i).neg().intoArray(gx, gxo + i);
        }
        return bound;
    }

    /** gx = c·gy·u. */
    private static int mulLoop(float[] gy, int gyo, float[] u, int uo, float c, float[] gx, int gxo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, gy, gyo + i).mul(FloatVector.fromArray(F, u, uo + i)).mul(c).intoArray(gx, gxo + i);
        }
        return bound;
    }

    /** gx = c·gy/u. */
    private static int divLoop(float[] gy, int gyo, float[] u, int uo, float c, float[] gx, int gxo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, gy, gyo + i).mul(c).div(FloatVector.fromArray(F, u, uo + i)).intoArray(gx, gxo + i);
        }
        return bound;
    }

    /**
     * gx = gy·(Φ(x) + x·φ(x)) with Φ(x) recovered from the forward output as y/x (y = x·Φ(x), so the quotient is
     * within an ulp or two of Φ): one exp per element instead of the two, the divide and the polynomial of
     * evaluating Φ again. At x = 0 the quotient is replaced by Φ(0) = ½; past |x| = 30 by the step Φ reaches in
     * float (there φ = 0, and y/x would be ∞/∞). Between −30 and about −13, y is subnormal and Φ loses relative
     * accuracy, but the derivative there is below 1e-36 in absolute terms.
     */
    private static int geluBackLoop(float[] x, int xo, float[] y, int yo, float[] gy, int gyo, float[] gx, int gxo,
                                    int n) {
        int bound = F.loopBound(n);
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            FloatVector cdf = FloatVector.fromArray(F, y, yo + i).div(xv).blend(half, xv.compare(VectorOperators.EQ, 0f));
            FloatVector d = xv.fma(VecMath.pdf(xv), cdf);
            FloatVector step = zero.blend(1f, xv.compare(VectorOperators.GT, 0f));
            d = d.blend(step, xv.abs().compare(VectorOperators.GT, 30f));
            FloatVector.fromArray(F, gy, gyo + i).mul(d).intoArray(gx, gxo + i);
        }
        return bound;
    }

    private static int tanhBackLoop(float[] y, int yo, float[] gy, int gyo, float[] gx, int gxo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector yv = FloatVector.fromArray(F, y, yo + i);
            FloatVector.fromArray(F, gy, gyo + i).mul(yv.mul(yv).neg().add(1f)).intoArray(gx, gxo + i);
        }
        return bound;
    }

    /** y = alpha·x + beta. */
    static void affine(boolean simd, float[] x, int xo, float alpha, float beta, float[] y, int yo, int n) {
        int i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xo + i).fma(alpha, beta).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], alpha, beta);
        }
    }

    // ------------------------------------------------------------------ binary

    static float apply(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    /**
     * One innermost run of a broadcasting binary op: out[oo + i] = a[ao + i·sa] op b[bo + i·sb], i in [0, n).
     * Vectorised when each operand is contiguous (stride 1) or broadcast (stride 0); one loop per op and layout so
     * that no vector value crosses a branch (see {@link #unary}).
     */
    static void binaryRun(boolean simd, BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out,
                          int oo, int n) {
        int i = 0;
        if (simd && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) && !(sa == 0 && sb == 0)) {
            i = switch (op) {
                case ADD -> add(a, ao, sa, b, bo, sb, out, oo, n);
                case SUB -> sub(a, ao, sa, b, bo, sb, out, oo, n);
                case MUL -> mul(a, ao, sa, b, bo, sb, out, oo, n);
                case DIV -> div(a, ao, sa, b, bo, sb, out, oo, n);
            };
        }
        for (; i < n; i++) {
            out[oo + i] = apply(op, a[ao + i * sa], b[bo + i * sb]);
        }
    }

    private static int add(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out, int oo, int n) {
        int bound = F.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        } else if (sa == 1) {
            FloatVector bv = FloatVector.broadcast(F, b[bo]);
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).add(bv).intoArray(out, oo + i);
            }
        } else {
            FloatVector av = FloatVector.broadcast(F, a[ao]);
            for (int i = 0; i < bound; i += L) {
                av.add(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        }
        return bound;
    }

    private static int sub(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out, int oo, int n) {
        int bound = F.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).sub(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        } else if (sa == 1) {
            FloatVector bv = FloatVector.broadcast(F, b[bo]);
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).sub(bv).intoArray(out, oo + i);
            }
        } else {
            FloatVector av = FloatVector.broadcast(F, a[ao]);
            for (int i = 0; i < bound; i += L) {
                av.sub(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        }
        return bound;
    }

    private static int mul(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out, int oo, int n) {
        int bound = F.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).mul(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        } else if (sa == 1) {
            FloatVector bv = FloatVector.broadcast(F, b[bo]);
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).mul(bv).intoArray(out, oo + i);
            }
        } else {
            FloatVector av = FloatVector.broadcast(F, a[ao]);
            for (int i = 0; i < bound; i += L) {
                av.mul(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        }
        return bound;
    }

    private static int div(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] out, int oo, int n) {
        int bound = F.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).div(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        } else if (sa == 1) {
            FloatVector bv = FloatVector.broadcast(F, b[bo]);
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a, ao + i).div(bv).intoArray(out, oo + i);
            }
        } else {
            FloatVector av = FloatVector.broadcast(F, a[ao]);
            for (int i = 0; i < bound; i += L) {
                av.div(FloatVector.fromArray(F, b, bo + i)).intoArray(out, oo + i);
            }
        }
        return bound;
    }

    // ------------------------------------------------------------------ copy

    /** One innermost run of a strided copy: dst[do + i·sd] (+)= src[so + i·ss]. */
    static void copyRun(boolean simd, float[] src, int so, int ss, float[] dst, int d0, int sd, int n, boolean acc) {
        if (!acc && ss == 1 && sd == 1) {
            System.arraycopy(src, so, dst, d0, n);
            return;
        }
        int i = 0;
        if (simd && sd == 1 && (ss == 1 || ss == 0)) {
            int bound = F.loopBound(n);
            if (ss == 1) {
                for (; i < bound; i += L) {
                    FloatVector.fromArray(F, src, so + i).add(FloatVector.fromArray(F, dst, d0 + i)).intoArray(dst, d0 + i);
                }
            } else if (acc) {
                FloatVector v = FloatVector.broadcast(F, src[so]);
                for (; i < bound; i += L) {
                    v.add(FloatVector.fromArray(F, dst, d0 + i)).intoArray(dst, d0 + i);
                }
            } else {
                FloatVector v = FloatVector.broadcast(F, src[so]);
                for (; i < bound; i += L) {
                    v.intoArray(dst, d0 + i);
                }
            }
        }
        for (; i < n; i++) {
            float v = src[so + i * ss];
            int o = d0 + i * sd;
            dst[o] = acc ? dst[o] + v : v;
        }
    }

    /** dst[d0..d0+n) += src[s0..s0+n). */
    static void addInto(boolean simd, float[] src, int s0, float[] dst, int d0, int n) {
        copyRun(simd, src, s0, 1, dst, d0, 1, n, true);
    }

    /** Where {@link #streamThrough} leaves its sum, so that the JIT cannot drop the reads. */
    static float streamSink;

    /**
     * Reads a[from, from + n) in order, vector by vector (one element per 64-byte line without SIMD), keeps nothing: a
     * sequential pass the hardware prefetcher follows, so that kernels reading the range in a strided order next
     * find it in cache.
     */
    static void streamThrough(boolean simd, float[] a, int from, int n) {
        int end = from + n;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int i = from;
            for (int bound = end - Simd.L; i <= bound; i += Simd.L) {
                acc = acc.add(FloatVector.fromArray(F, a, i));
            }
            streamSink = acc.lane(0);
            return;
        }
        float acc = 0f;
        for (int i = from; i < end; i += 16) {
            acc += a[i];
        }
        streamSink = acc;
    }
}
