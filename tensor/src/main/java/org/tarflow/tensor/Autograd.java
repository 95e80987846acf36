package org.tarflow.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/** Graph recording and the reverse sweep. */
final class Autograd {
    private Autograd() {
    }

    /**
     * Attaches a backward rule to {@code out} when recording is on and some input requires a gradient; otherwise
     * the rule (and what it captured) is dropped at once.
     */
    static Tensor record(String op, Tensor out, Node.Rule rule, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return out;
        }
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad()) {
                out.attachGrad(new Node(op, inputs, rule));
                return out;
            }
        }
        return out;
    }

    /** True when input i of a rule needs a gradient. */
    static boolean needs(Tensor input) {
        return input != null && input.requiresGrad();
    }

    /**
     * Reverse sweep from {@code root} with the given seed gradient. Nodes run in reverse creation order, which is a
     * topological order because an op's output is always created after its inputs. Gradients of leaves accumulate
     * into {@link Tensor#grad()}; the graph is freed afterwards.
     */
    static void backward(Tensor root, Tensor seed) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require a gradient (no input of the"
                    + " computation asked for one with requiresGrad(true), or it was computed under GradMode.off())");
        }
        if (!Arrays.equals(root.shape(), seed.shape())) {
            throw new IllegalArgumentException("backward: seed gradient shape " + Arrays.toString(seed.shape())
                    + " differs from the tensor's " + Arrays.toString(root.shape()));
        }
        List<Tensor> order = topologicalOrder(root);
        IdentityHashMap<Tensor, Tensor> pending = new IdentityHashMap<>();
        long sweepStart = Tensor.lastSequence();
        List<Tensor> spent = new ArrayList<>();
        try (GradMode.Off off = GradMode.off()) {
            deliver(root, seed, pending, spent);
            for (Tensor t : order) {
                Tensor g = pending.remove(t);
                if (g == null) {
                    continue;
                }
                Node node = t.gradFn();
                Tensor[] grads = node.rule.apply(g);
                spent.add(g);
                for (int i = 0; i < node.inputs.length; i++) {
                    Tensor in = node.inputs[i];
                    if (grads[i] != null && needs(in)) {
                        if (!Arrays.equals(grads[i].shape(), in.shape())) {
                            throw new IllegalStateException("autograd: rule of '" + node.op + "' returned gradient "
                                    + Arrays.toString(grads[i].shape()) + " for input " + i + " of shape "
                                    + Arrays.toString(in.shape()));
                        }
                        deliver(in, grads[i], pending, spent);
                    }
                }
                releaseSpent(spent, pending, sweepStart);
            }
        } finally {
            for (Tensor t : order) {
                t.detachGraph();
            }
        }
    }

    private static void deliver(Tensor target, Tensor g, IdentityHashMap<Tensor, Tensor> pending,
                                List<Tensor> spent) {
        if (target.gradFn() != null) {
            Tensor prev = pending.get(target);
            // out of place: a rule may hand the same tensor to several inputs, so nothing is summed into in place
            pending.put(target, prev == null ? g : prev.add(g));
            if (prev != null) {
                spent.add(prev);
                spent.add(g);
            }
        } else {
            target.accumulateGrad(g); // copied or added into the leaf's own buffer
            spent.add(g);
        }
    }

    /**
     * Gives back the buffers of gradients that nothing will read again: made during this sweep (never a forward
     * activation, a parameter or the caller's seed), and neither pending for a node nor a view of what is. Otherwise
     * every intermediate gradient of a step lived until the step's scope closed, and each new one was written to
     * memory that had left the caches (config A's training step holds about 400 MB of them).
     */
    private static void releaseSpent(List<Tensor> spent, IdentityHashMap<Tensor, Tensor> pending, long sweepStart) {
        for (Tensor s : spent) {
            Tensor owner = s.owner();
            if (owner.sequence() <= sweepStart || owner.isReleased()) {
                continue;
            }
            boolean stillPending = false;
            for (Tensor p : pending.values()) {
                if (p.owner() == owner) {
                    stillPending = true;
                    break;
                }
            }
            if (!stillPending) {
                owner.release();
            }
        }
        spent.clear();
    }

    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> nodes = new ArrayList<>();
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        if (root.gradFn() != null) {
            stack.push(root);
            seen.put(root, Boolean.TRUE);
        }
        while (!stack.isEmpty()) {
            Tensor t = stack.pop();
            nodes.add(t);
            for (Tensor in : t.gradFn().inputs) {
                if (in != null && in.gradFn() != null && seen.put(in, Boolean.TRUE) == null) {
                    stack.push(in);
                }
            }
        }
        nodes.sort((a, b) -> Long.compare(b.sequence(), a.sequence()));
        return nodes;
    }
}
