package org.tarflow.tensor;

/** One recorded op in the autograd graph: its inputs and the rule that maps the output's gradient to theirs. */
final class Node {
    /** Maps d loss/d output to d loss/d input for every input (null where an input needs none). */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(Tensor gradOutput);
    }

    final String op;
    final Tensor[] inputs;
    final Rule rule;

    Node(String op, Tensor[] inputs, Rule rule) {
        this.op = op;
        this.inputs = inputs;
        this.rule = rule;
    }
}
