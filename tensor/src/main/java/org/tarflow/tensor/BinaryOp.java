package org.tarflow.tensor;

/** Elementwise binary operators with broadcasting, evaluated by {@link Backend#binary}. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV
}
