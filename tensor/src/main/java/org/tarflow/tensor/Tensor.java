package org.tarflow.tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An n-dimensional array of real numbers held by a {@link Backend}, contiguous and row-major, with reverse-mode
 * autograd.
 *
 * <p>Values are float32 on the CPU and OpenCL backends and float64 on the reference backend. Reshapes and slices
 * along the first axis are views that share storage; every other op writes a new tensor. Ops record a graph when
 * some input {@linkplain #requiresGrad(boolean) requires a gradient} and {@link GradMode} is on; {@link #backward()}
 * then fills {@link #grad()} of every such leaf, inputs included.
 *
 * <p>Memory: a tensor created inside a {@link MemoryScope} gives its buffer back when that scope closes; outside any
 * scope the garbage collector frees it. Shape errors name the op and the shapes involved.
 */
public final class Tensor {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Backend backend;
    private final Storage storage;
    private final int offset;
    private final int[] shape;
    private final int size;
    /** The tensor that owns the storage: this for owners, the viewed tensor's base for views. */
    private final Tensor base;
    private final long sequence = SEQUENCE.incrementAndGet();

    // owner-only state
    private MemoryScope scope;
    private boolean released;

    // autograd state
    private boolean requiresGrad;
    private Tensor grad;
    /** zeroGrad() was called: the buffer's values stand for zeros until read through grad() or overwritten. */
    private boolean gradZeroPending;
    private Node gradFn;

    private Tensor(Backend backend, Storage storage, int offset, int[] shape, Tensor base) {
        this.backend = backend;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.size = Shapes.size(shape);
        this.base = base == null ? this : base;
    }

    // =====================================================================================================
    // creation

    /** An uninitialised tensor owned by the current scope (contents are whatever the pooled buffer held). */
    public static Tensor empty(Backend backend, int... shape) {
        int[] s = Shapes.checked("empty", shape);
        int n = Shapes.size(s);
        Tensor t = new Tensor(backend, backend.allocate(Math.max(n, 1)), 0, s, null);
        MemoryScope owner = MemoryScope.currentOwner();
        if (owner != null) {
            t.scope = owner;
            owner.adopt(t);
        }
        return t;
    }

    public static Tensor zeros(Backend backend, int... shape) {
        return full(backend, 0.0, shape);
    }

    public static Tensor full(Backend backend, double value, int... shape) {
        Tensor t = empty(backend, shape);
        backend.fill(t, value);
        return t;
    }

    /** A tensor holding a copy of {@code data} (row-major) with the given shape. */
    public static Tensor of(Backend backend, float[] data, int... shape) {
        int[] s = Shapes.checked("of", shape);
        if (Shapes.size(s) != data.length) {
            throw new IllegalArgumentException("of: " + data.length + " values do not fill shape " + Arrays.toString(s));
        }
        Tensor t = empty(backend, s);
        backend.write(t, data, 0);
        return t;
    }

    /** As {@link #of(Backend, float[], int...)}; exact on the float64 reference backend, rounded elsewhere. */
    public static Tensor of(Backend backend, double[] data, int... shape) {
        int[] s = Shapes.checked("of", shape);
        if (Shapes.size(s) != data.length) {
            throw new IllegalArgumentException("of: " + data.length + " values do not fill shape " + Arrays.toString(s));
        }
        Tensor t = empty(backend, s);
        backend.write(t, data, 0);
        return t;
    }

    public static Tensor scalar(Backend backend, double value) {
        return full(backend, value);
    }

    // =====================================================================================================
    // accessors

    public Backend backend() {
        return backend;
    }

    /** The buffer, for kernels. Throws when the tensor's scope has released it. */
    public Storage storage() {
        if (base.released) {
            throw new IllegalStateException("tensor " + Arrays.toString(shape) + " was released when its MemoryScope"
                    + " closed; call keep() on it inside the scope to use it afterwards");
        }
        return storage;
    }

    /** Element offset of this tensor inside {@link #storage()}. */
    public int offset() {
        return offset;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of an axis; negative axes count from the end. */
    public int dim(int axis) {
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    long sequence() {
        return sequence;
    }

    /** The sequence number the next tensor made will exceed. */
    static long lastSequence() {
        return SEQUENCE.get();
    }

    /** The tensor that owns this one's buffer: itself for owners. */
    Tensor owner() {
        return base;
    }

    // =====================================================================================================
    // host transfer

    public float[] toFloatArray() {
        float[] out = new float[size];
        backend.read(this, out, 0);
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[size];
        backend.read(this, out, 0);
        return out;
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (size != 1) {
            throw new IllegalStateException("item: tensor " + Arrays.toString(shape) + " has " + size + " elements, not 1");
        }
        return toDoubleArray()[0];
    }

    /** Overwrites the contents with host values (no gradient is recorded). */
    public Tensor set(float[] data) {
        if (data.length != size) {
            throw new IllegalArgumentException("set: " + data.length + " values for tensor " + Arrays.toString(shape));
        }
        backend.write(this, data, 0);
        return this;
    }

    /** Overwrites the contents with host values (no gradient is recorded). */
    public Tensor set(double[] data) {
        if (data.length != size) {
            throw new IllegalArgumentException("set: " + data.length + " values for tensor " + Arrays.toString(shape));
        }
        backend.write(this, data, 0);
        return this;
    }

    /** Overwrites the contents with another tensor's values of the same size (no gradient is recorded). */
    public Tensor set(Tensor src) {
        ShapeOps.assign(this, src);
        return this;
    }

    /** Fills with a constant (no gradient is recorded). */
    public Tensor fill(double value) {
        backend.fill(this, value);
        return this;
    }

    /** Moves this tensor to another backend (a host round trip). */
    public Tensor to(Backend target) {
        if (target == backend) {
            return this;
        }
        return of(target, toFloatArray(), shape);
    }

    // =====================================================================================================
    // memory

    MemoryScope ownerScope() {
        return base.scope;
    }

    /**
     * Moves this tensor's buffer out of the scope it was made in, into the enclosing managed scope or, when there is
     * none, to the garbage collector, so that it survives the scope's close.
     */
    public Tensor keep() {
        Tensor owner = base;
        MemoryScope s = owner.scope;
        if (s != null) {
            MemoryScope outer = s.outer();
            owner.scope = outer;
            if (outer != null) {
                outer.adopt(owner);
            }
        }
        return this;
    }

    /** Gives the buffer back now. Only for owners; views share their owner's buffer. */
    public void release() {
        if (base != this) {
            throw new IllegalStateException("release: a view cannot release its owner's buffer");
        }
        scope = null;
        releaseStorage();
    }

    void releaseStorage() {
        if (!released) {
            released = true;
            grad = null;
            gradZeroPending = false;
            gradFn = null;
            backend.release(storage);
        }
    }

    public boolean isReleased() {
        return base.released;
    }

    Tensor view(int elementOffset, int[] newShape) {
        storage(); // fail early on released tensors
        return new Tensor(backend, storage, offset + elementOffset, newShape, base);
    }

    // =====================================================================================================
    // autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf whose gradient {@link #backward()} should compute. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("requiresGrad(false) on a computed tensor: use detach()");
        }
        requiresGrad = value;
        return this;
    }

    /** The accumulated gradient of a leaf, or null before any backward pass reached it. */
    public Tensor grad() {
        if (gradZeroPending) {
            grad.fill(0);
            gradZeroPending = false;
        }
        return grad;
    }

    /**
     * Forgets the accumulated gradient: the next backward pass starts from zero, and {@link #grad()} reads zeros
     * until then. The buffer is kept but not cleared now: the next backward pass writes its gradient over it
     * instead of adding to zeros (a training step's clear and add over every weight was a fill and a
     * three-stream pass it did not need). So a gradient tensor taken from {@link #grad()} before this call keeps
     * its old values until that pass; take it again to read zeros (as with PyTorch's zero_grad(set_to_none)).
     */
    public void zeroGrad() {
        if (grad != null) {
            gradZeroPending = true;
        }
    }

    /** Drops the gradient buffer altogether. */
    public void clearGrad() {
        grad = null;
        gradZeroPending = false;
    }

    Node gradFn() {
        return gradFn;
    }

    void attachGrad(Node node) {
        gradFn = node;
        requiresGrad = true;
    }

    void detachGraph() {
        gradFn = null;
    }

    void accumulateGrad(Tensor g) {
        if (!requiresGrad) {
            return;
        }
        Tensor zero = gradToOverwrite();
        if (zero != null) {
            zero.set(g);
        } else {
            ElementwiseOps.addInPlace(grad, g);
        }
    }

    /**
     * For backward rules that can write a leaf's gradient straight into its buffer (a linear layer's weight
     * gradient, one product): the buffer, when this leaf's gradient is still zero (none yet, or {@link #zeroGrad}
     * pending), to be overwritten with the whole of this pass's gradient, and from then on counted as holding it;
     * null where the rule must return its gradient to be added (the leaf already holds one: a second use of the same
     * weight, or gradients accumulating over passes), and for tensors that are not leaves needing a gradient.
     */
    Tensor gradToOverwrite() {
        if (!requiresGrad || gradFn != null) {
            return null;
        }
        if (grad == null) {
            // the gradient lives as long as the leaf: allocate it in the leaf's scope
            MemoryScope leafScope = base.scope;
            if (leafScope == null) {
                try (MemoryScope u = MemoryScope.unmanaged()) {
                    grad = empty(backend, shape);
                }
            } else {
                grad = empty(backend, shape);
                if (grad.base.scope != leafScope) {
                    grad.scope = leafScope;
                    leafScope.adopt(grad);
                }
            }
            return grad;
        }
        if (gradZeroPending) {
            gradZeroPending = false;
            return grad;
        }
        return null;
    }

    /** A tensor sharing this one's values with no graph behind it. */
    public Tensor detach() {
        Tensor t = new Tensor(backend, storage(), offset, shape, base);
        return t;
    }

    /** Back-propagates from a one-element tensor (d self/d self = 1). */
    public void backward() {
        if (size != 1) {
            throw new IllegalStateException("backward() needs a one-element tensor, got " + Arrays.toString(shape)
                    + "; pass a seed gradient with backward(seed)");
        }
        Tensor seed;
        try (GradMode.Off off = GradMode.off()) {
            seed = full(backend, 1.0, shape);
        }
        Autograd.backward(this, seed);
    }

    /** Back-propagates with the given gradient of some scalar with respect to this tensor. */
    public void backward(Tensor seed) {
        Autograd.backward(this, seed);
    }

    // =====================================================================================================
    // elementwise ops (broadcasting as in NumPy)

    public Tensor add(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.ADD, this, other);
    }

    public Tensor sub(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.SUB, this, other);
    }

    public Tensor mul(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MUL, this, other);
    }

    public Tensor div(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.DIV, this, other);
    }

    public Tensor add(double c) {
        return ElementwiseOps.affine(this, 1.0, c);
    }

    public Tensor mul(double c) {
        return ElementwiseOps.affine(this, c, 0.0);
    }

    /** alpha·x + beta in one pass. */
    public Tensor affine(double alpha, double beta) {
        return ElementwiseOps.affine(this, alpha, beta);
    }

    public Tensor neg() {
        return ElementwiseOps.unary(UnaryOp.NEG, this);
    }

    public Tensor exp() {
        return ElementwiseOps.unary(UnaryOp.EXP, this);
    }

    public Tensor log() {
        return ElementwiseOps.unary(UnaryOp.LOG, this);
    }

    public Tensor square() {
        return ElementwiseOps.unary(UnaryOp.SQUARE, this);
    }

    public Tensor sqrt() {
        return ElementwiseOps.unary(UnaryOp.SQRT, this);
    }

    public Tensor tanh() {
        return ElementwiseOps.unary(UnaryOp.TANH, this);
    }

    /** Exact GELU, x·Φ(x) with the error function (PyTorch's default, not the tanh approximation). */
    public Tensor gelu() {
        return ElementwiseOps.unary(UnaryOp.GELU, this);
    }

    // =====================================================================================================
    // reductions

    /** Sum of all elements, shape []. */
    public Tensor sum() {
        return ReduceOps.sum(this, Shapes.allAxes(shape.length), false, 1.0);
    }

    /** Sum over the given axes (negative counts from the end). */
    public Tensor sum(boolean keepDims, int... axes) {
        return ReduceOps.sum(this, axes, keepDims, 1.0);
    }

    /** Mean of all elements, shape []. */
    public Tensor mean() {
        return ReduceOps.mean(this, Shapes.allAxes(shape.length), false);
    }

    /** Mean over the given axes. */
    public Tensor mean(boolean keepDims, int... axes) {
        return ReduceOps.mean(this, axes, keepDims);
    }

    /** Sums broadcast axes away so the result has {@code target} shape (the gradient rule of broadcasting). */
    public Tensor sumTo(int... target) {
        return ReduceOps.sumTo(this, target);
    }

    /** Broadcasts to a larger shape (NumPy rules). */
    public Tensor expand(int... target) {
        return ReduceOps.expand(this, target);
    }

    // =====================================================================================================
    // linear algebra, normalisation, attention

    /** Batched matrix product: [..., m, k] × [..., k, n] or × [k, n] (shared). */
    public Tensor matmul(Tensor other) {
        return MatmulOps.matmul(this, other, false, false);
    }

    /** op(this) × op(other) with optional transposes of the last two axes. */
    public Tensor matmul(Tensor other, boolean transposeThis, boolean transposeOther) {
        return MatmulOps.matmul(this, other, transposeThis, transposeOther);
    }

    /** x·Wᵀ + b for x [..., in], W [out, in], b [out] or null: PyTorch's Linear. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return MatmulOps.linear(x, weight, bias);
    }

    /** LayerNorm over the last axis; weight and bias [last] or null. */
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        return NormOps.layerNorm(this, weight, bias, eps);
    }

    /** Softmax over the last axis. */
    public Tensor softmax() {
        return NormOps.softmax(this);
    }

    /**
     * Fused multi-head attention on a packed projection [B, T, 3·heads·headDim] (q | k | v), causal when asked,
     * logits scaled by {@code scale}. Returns [B, T, heads·headDim].
     */
    public Tensor attention(int heads, int headDim, double scale, boolean causal) {
        return AttentionOps.attention(this, heads, headDim, scale, causal);
    }

    /**
     * One step of cached causal attention for sampling (no gradient). {@code qkv} [B, 3·heads·headDim] projects
     * token {@code position} of every sequence; its keys and values are stored into row {@code position} of the
     * caches [B, capacity, heads·headDim] and its queries attend to rows 0..position. {@code sampleScale} gives each
     * sequence its logit scale (1/(√d·τ) for temperature τ), or null for 1/√d. Returns [B, heads·headDim].
     */
    public static Tensor attentionDecode(Tensor qkv, Tensor kCache, Tensor vCache, int position, int heads,
                                         int headDim, double[] sampleScale) {
        return AttentionOps.decode(qkv, kCache, vCache, position, heads, headDim, sampleScale);
    }

    /**
     * TarFlow's affine step with its causal shift: x [B, N, D], params [B, N, 2D] (α | μ, or [B, N, D] holding μ when
     * {@code withScale} is false); token i ≥ 1 uses row i − 1 of the parameters, token 0 passes unchanged:
     * {@code z_i = (x_i − μ_{i−1})·exp(−α_{i−1})}. One fused kernel each way.
     */
    public static Tensor causalAffine(Tensor x, Tensor params, boolean withScale) {
        return CouplingOps.causalAffine(x, params, withScale);
    }

    // =====================================================================================================
    // shape and movement

    /** Same values, new shape (one axis may be -1); a view. */
    public Tensor reshape(int... newShape) {
        return ShapeOps.reshape(this, newShape);
    }

    /** Reorders axes: result axis i is this tensor's axis {@code axes[i]}. */
    public Tensor permute(int... axes) {
        return ShapeOps.permute(this, axes);
    }

    public Tensor transpose(int axis1, int axis2) {
        return ShapeOps.transpose(this, axis1, axis2);
    }

    /** Elements [from, to) along an axis. A view when every axis before it has size 1. */
    public Tensor slice(int axis, int from, int to) {
        return ShapeOps.slice(this, axis, from, to);
    }

    /** Concatenation along an axis. */
    public static Tensor concat(int axis, Tensor... parts) {
        return ShapeOps.concat(axis, parts);
    }

    /**
     * Shifts along an axis by {@code by} positions: out[i] = x[i − by], zeros where i − by is outside. With by = 1 the
     * first position becomes zero and the last value drops out (TarFlow's causal shift).
     */
    public Tensor shift(int axis, int by) {
        return ShapeOps.shift(this, axis, by);
    }

    /** Reverses an axis. */
    public Tensor flip(int axis) {
        return ShapeOps.flip(this, axis);
    }

    /** Rows of a table [rows, ...] picked by index: [index.length, ...] (an embedding lookup). */
    public Tensor gatherRows(int[] index) {
        return ShapeOps.gatherRows(this, index);
    }

    /**
     * Writes {@code src} into this tensor at positions [start, start + src.dim(axis)) along {@code axis}, in place
     * and without recording a gradient (the sampler's token-by-token update).
     */
    public Tensor setSlice(int axis, int start, Tensor src) {
        ShapeOps.setSlice(this, axis, start, src);
        return this;
    }

    /** A dense copy (recorded: the gradient passes through). */
    public Tensor copy() {
        return ElementwiseOps.affine(this, 1.0, 0.0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(" on ").append(backend.name());
        if (base.released) {
            return sb.append(" (released)").toString();
        }
        if (requiresGrad) {
            sb.append(gradFn != null ? " grad_fn=" + gradFn.op : " requires_grad");
        }
        if (size <= 8) {
            sb.append(' ').append(Arrays.toString(toFloatArray()));
        }
        return sb.toString();
    }
}
