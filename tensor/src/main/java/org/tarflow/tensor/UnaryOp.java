package org.tarflow.tensor;

/** Elementwise functions with their derivative rule, evaluated by {@link Backend#unary} and {@link Backend#unaryBackward}. */
public enum UnaryOp {
    /** y = -x; dy/dx = -1. */
    NEG,
    /** y = e^x; dy/dx = y. */
    EXP,
    /** y = ln x; dy/dx = 1/x. */
    LOG,
    /** y = x²; dy/dx = 2x. */
    SQUARE,
    /** y = √x; dy/dx = 1/(2y). */
    SQRT,
    /** y = x·Φ(x) = x/2·(1 + erf(x/√2)), the exact (erf) GELU; dy/dx = Φ(x) + x·φ(x). */
    GELU,
    /** y = tanh x; dy/dx = 1 − y². */
    TANH
}
