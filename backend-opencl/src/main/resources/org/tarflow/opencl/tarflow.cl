// OpenCL C 1.2 kernels of the tarflow OpenCL backend. Every tensor argument is a buffer plus an element offset.
// Shapes of strided kernels travel as int8 vectors (rank <= 8). Kernels that hold one attention head in private
// memory are compiled per head size, with -DHD=<head size>.

// ----------------------------------------------------------------------------------------------- data movement

__kernel void fill(__global float* d, int off, float v, int n) {
    int i = get_global_id(0);
    if (i < n) d[off + i] = v;
}

__kernel void copy_strided(__global const float* s, int so, __global float* d, int dof, int rank, int8 shape,
                           int8 sstr, int8 dstr, int n, int acc) {
    int gid = get_global_id(0);
    if (gid >= n) return;
    int sh[8], ss[8], ds[8];
    vstore8(shape, 0, sh);
    vstore8(sstr, 0, ss);
    vstore8(dstr, 0, ds);
    int rem = gid, si = so, di = dof;
    for (int k = rank - 1; k >= 0; k--) {
        int idx = rem % sh[k];
        rem /= sh[k];
        si += idx * ss[k];
        di += idx * ds[k];
    }
    float v = s[si];
    d[di] = acc ? d[di] + v : v;
}

__kernel void gather_rows(__global const float* t, int to, __global const int* index, int cols, int rows,
                          __global float* o, int oo) {
    int gid = get_global_id(0);
    if (gid >= rows * cols) return;
    int r = gid / cols, c = gid % cols;
    o[oo + gid] = t[to + index[r] * cols + c];
}

// one work-item per column walks all rows: repeated indices add up without atomics
__kernel void scatter_add_rows(__global const float* s, int so, __global const int* index, int cols, int rows,
                               __global float* t, int to) {
    int c = get_global_id(0);
    if (c >= cols) return;
    for (int r = 0; r < rows; r++) t[to + index[r] * cols + c] += s[so + r * cols + c];
}

// ----------------------------------------------------------------------------------------------- elementwise

#define OP_NEG 0
#define OP_EXP 1
#define OP_LOG 2
#define OP_SQUARE 3
#define OP_SQRT 4
#define OP_GELU 5
#define OP_TANH 6

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

// Φ(x) = ½·erfc(−x/√2) with erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) for z ≥ 0 (relative error < 1.2e-7), the
// formula of the CPU backend: some OpenCL runtimes (PoCL) evaluate the built-in erfc slowly in software
float erfc_positive(float z) {
    float t = 1.0f / fma(0.5f, z, 1.0f);
    float p = 0.17087277f;
    p = fma(p, t, -0.82215223f);
    p = fma(p, t, 1.48851587f);
    p = fma(p, t, -1.13520398f);
    p = fma(p, t, 0.27886807f);
    p = fma(p, t, -0.18628806f);
    p = fma(p, t, 0.09678418f);
    p = fma(p, t, 0.37409196f);
    p = fma(p, t, 1.00002368f);
    p = fma(p, t, -1.26551223f);
    return t * exp(p - z * z);
}

float gelu_cdf(float x) {
    float h = 0.5f * erfc_positive(fabs(x) * INV_SQRT2);
    return x < 0.0f ? h : 1.0f - h;
}

float apply_unary(int op, float x) {
    switch (op) {
        case OP_NEG: return -x;
        case OP_EXP: return exp(x);
        case OP_LOG: return log(x);
        case OP_SQUARE: return x * x;
        case OP_SQRT: return sqrt(x);
        case OP_GELU: return x * gelu_cdf(x);
        default: return tanh(x);
    }
}

float unary_derivative(int op, float x, float y) {
    switch (op) {
        case OP_NEG: return -1.0f;
        case OP_EXP: return y;
        case OP_LOG: return 1.0f / x;
        case OP_SQUARE: return 2.0f * x;
        case OP_SQRT: return 0.5f / y;
        case OP_GELU: return gelu_cdf(x) + x * INV_SQRT_2PI * exp(-0.5f * x * x);
        default: return 1.0f - y * y;
    }
}

__kernel void unary(int op, __global const float* x, int xo, __global float* y, int yo, int n) {
    int i = get_global_id(0);
    if (i < n) y[yo + i] = apply_unary(op, x[xo + i]);
}

__kernel void unary_backward(int op, __global const float* x, int xo, __global const float* y, int yo,
                             __global const float* gy, int gyo, __global float* gx, int gxo, int n, int acc) {
    int i = get_global_id(0);
    if (i >= n) return;
    float g = gy[gyo + i] * unary_derivative(op, x[xo + i], y[yo + i]);
    gx[gxo + i] = acc ? gx[gxo + i] + g : g;
}

__kernel void affine(__global const float* x, int xo, float a, float b, __global float* y, int yo, int n) {
    int i = get_global_id(0);
    if (i < n) y[yo + i] = fma(x[xo + i], a, b);
}

__kernel void binary(int op, __global const float* a, int ao, __global const float* b, int bo,
                     __global float* o, int oo, int rank, int8 shape, int8 astr, int8 bstr, int n) {
    int gid = get_global_id(0);
    if (gid >= n) return;
    int sh[8], as[8], bs[8];
    vstore8(shape, 0, sh);
    vstore8(astr, 0, as);
    vstore8(bstr, 0, bs);
    int rem = gid, ai = ao, bi = bo;
    for (int k = rank - 1; k >= 0; k--) {
        int idx = rem % sh[k];
        rem /= sh[k];
        ai += idx * as[k];
        bi += idx * bs[k];
    }
    float x = a[ai], z = b[bi], r;
    switch (op) {
        case 0: r = x + z; break;
        case 1: r = x - z; break;
        case 2: r = x * z; break;
        default: r = x / z; break;
    }
    o[oo + gid] = r;
}

// ----------------------------------------------------------------------------------------------- reductions
// Kahan-compensated partial sums per work-item, then a tree in local memory: long rows keep float accuracy.

#define WG 256

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void sum_rows(__global const float* x, int xo, int reduce, float scale, __global float* y, int yo, int acc) {
    __local float part[WG];
    int o = get_group_id(0), l = get_local_id(0);
    float s = 0.0f, c = 0.0f;
    for (int r = l; r < reduce; r += WG) {
        float t = x[xo + o * reduce + r] - c;
        float u = s + t;
        c = (u - s) - t;
        s = u;
    }
    part[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) part[l] += part[l + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) y[yo + o] = acc ? y[yo + o] + scale * part[0] : scale * part[0];
}

__kernel void sum_columns(__global const float* x, int xo, int outer, int reduce, int inner, float scale,
                          __global float* y, int yo, int acc) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    int o = gid / inner, i = gid % inner;
    float s = 0.0f, c = 0.0f;
    for (int r = 0; r < reduce; r++) {
        float t = x[xo + (o * reduce + r) * inner + i] - c;
        float u = s + t;
        c = (u - s) - t;
        s = u;
    }
    y[yo + gid] = acc ? y[yo + gid] + scale * s : scale * s;
}

// per work-group: {sum, sum of squares, non-finite count, max |x|}
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void stats(__global const float* x, int xo, int n, __global float* out) {
    __local float ls[WG], lq[WG], lb[WG], lm[WG];
    int l = get_local_id(0), g = get_group_id(0), groups = get_num_groups(0);
    float s = 0.0f, q = 0.0f, bad = 0.0f, m = 0.0f;
    for (int i = g * WG + l; i < n; i += groups * WG) {
        float v = x[xo + i];
        if (isfinite(v)) {
            s += v;
            q += v * v;
            m = fmax(m, fabs(v));
        } else {
            bad += 1.0f;
        }
    }
    ls[l] = s; lq[l] = q; lb[l] = bad; lm[l] = m;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) {
            ls[l] += ls[l + w];
            lq[l] += lq[l + w];
            lb[l] += lb[l + w];
            lm[l] = fmax(lm[l], lm[l + w]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        out[4 * g] = ls[0];
        out[4 * g + 1] = lq[0];
        out[4 * g + 2] = lb[0];
        out[4 * g + 3] = lm[0];
    }
}

// ----------------------------------------------------------------------------------------------- matrix product
// C[b] = alpha·op(A[b])·op(B[b]) (+ C) (+ bias): 64×64 tiles per work-group of 16×16, 4×4 results per work-item,
// 16-deep slices of A and B staged in local memory. Loads are arranged so neighbouring work-items read neighbouring
// addresses for either layout.

#define TS 64
#define TK 16

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void gemm(int M, int N, int K, int transA, int transB,
          __global const float* A, int aOff, int lda, int strideA,
          __global const float* B, int bOff, int ldb, int strideB,
          __global float* C, int cOff, int strideC,
          float alpha, int accumulate, __global const float* bias, int biasOff, int hasBias) {
    __local float As[TK][TS + 1];
    __local float Bs[TK][TS + 1];
    int batch = get_global_id(2);
    int aBase = aOff + batch * strideA, bBase = bOff + batch * strideB, cBase = cOff + batch * strideC;
    int tr = get_local_id(0), tc = get_local_id(1);
    int lid = tc * 16 + tr;
    int row0 = get_group_id(0) * TS, col0 = get_group_id(1) * TS;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TK) {
        for (int l = 0; l < 4; l++) {
            int e = lid + l * 256;
            int r, kk;
            if (transA) { r = e % TS; kk = e / TS; } else { kk = e % TK; r = e / TK; }
            int gr = row0 + r, gk = k0 + kk;
            float v = 0.0f;
            if (gr < M && gk < K) v = transA ? A[aBase + gk * lda + gr] : A[aBase + gr * lda + gk];
            As[kk][r] = v;
        }
        for (int l = 0; l < 4; l++) {
            int e = lid + l * 256;
            int c, kk;
            if (transB) { kk = e % TK; c = e / TK; } else { c = e % TS; kk = e / TS; }
            int gc = col0 + c, gk = k0 + kk;
            float v = 0.0f;
            if (gc < N && gk < K) v = transB ? B[bBase + gc * ldb + gk] : B[bBase + gk * ldb + gc];
            Bs[kk][c] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = As[kk][tr + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tc + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < 4; i++) {
        int gr = row0 + tr + 16 * i;
        if (gr >= M) continue;
        for (int j = 0; j < 4; j++) {
            int gc = col0 + tc + 16 * j;
            if (gc >= N) continue;
            float v = alpha * acc[i][j];
            int ci = cBase + gr * N + gc;
            if (accumulate) v += C[ci];
            if (hasBias) v += bias[biasOff + gc];
            C[ci] = v;
        }
    }
}

// ----------------------------------------------------------------------------------------------- normalisation
// One work-group per row; statistics in two passes (mean, then squared deviations).

float group_sum(__local float* part, float v) {
    int l = get_local_id(0);
    part[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) part[l] += part[l + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = part[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float group_max(__local float* part, float v) {
    int l = get_local_id(0);
    part[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) part[l] = fmax(part[l], part[l + w]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = part[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void layer_norm(__global const float* x, int xo, __global const float* g, int go, int hasG,
                __global const float* b, int bo, int hasB, float eps, int cols,
                __global float* y, int yo, __global float* mean, int mo, __global float* rstd, int ro) {
    __local float part[WG];
    int row = get_group_id(0), l = get_local_id(0);
    int base = xo + row * cols;
    float s = 0.0f;
    for (int c = l; c < cols; c += WG) s += x[base + c];
    float mu = group_sum(part, s) / cols;
    float q = 0.0f;
    for (int c = l; c < cols; c += WG) {
        float d = x[base + c] - mu;
        q += d * d;
    }
    float inv = rsqrt(group_sum(part, q) / cols + eps);
    if (l == 0) {
        mean[mo + row] = mu;
        rstd[ro + row] = inv;
    }
    for (int c = l; c < cols; c += WG) {
        float v = (x[base + c] - mu) * inv;
        if (hasG) v *= g[go + c];
        if (hasB) v += b[bo + c];
        y[yo + row * cols + c] = v;
    }
}

//   x̂ = (x − μ)·rstd    d̂ = gy·γ    gx = rstd·(d̂ − mean(d̂) − x̂·mean(d̂·x̂))
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void layer_norm_backward_x(__global const float* x, int xo, __global const float* g, int go, int hasG,
                           __global const float* mean, int mo, __global const float* rstd, int ro,
                           __global const float* gy, int gyo, int cols, __global float* gx, int gxo) {
    __local float part[WG];
    int row = get_group_id(0), l = get_local_id(0);
    float mu = mean[mo + row], inv = rstd[ro + row];
    float sd = 0.0f, sdx = 0.0f;
    for (int c = l; c < cols; c += WG) {
        float xh = (x[xo + row * cols + c] - mu) * inv;
        float d = gy[gyo + row * cols + c] * (hasG ? g[go + c] : 1.0f);
        sd += d;
        sdx += d * xh;
    }
    float meanD = group_sum(part, sd) / cols;
    float meanDX = group_sum(part, sdx) / cols;
    for (int c = l; c < cols; c += WG) {
        float xh = (x[xo + row * cols + c] - mu) * inv;
        float d = gy[gyo + row * cols + c] * (hasG ? g[go + c] : 1.0f);
        gx[gxo + row * cols + c] = inv * (d - meanD - xh * meanDX);
    }
}

// gγ[c] += Σ_rows gy·x̂,  gβ[c] += Σ_rows gy: one work-item per column
__kernel void layer_norm_backward_params(__global const float* x, int xo, __global const float* mean, int mo,
                                         __global const float* rstd, int ro, __global const float* gy, int gyo,
                                         int rows, int cols, __global float* gg, int ggo, int hasGG,
                                         __global float* gb, int gbo, int hasGB) {
    int c = get_global_id(0);
    if (c >= cols) return;
    float sg = 0.0f, cg = 0.0f, sb = 0.0f, cb = 0.0f;
    for (int r = 0; r < rows; r++) {
        float v = gy[gyo + r * cols + c];
        float xh = (x[xo + r * cols + c] - mean[mo + r]) * rstd[ro + r];
        float t = v * xh - cg;
        float u = sg + t;
        cg = (u - sg) - t;
        sg = u;
        t = v - cb;
        u = sb + t;
        cb = (u - sb) - t;
        sb = u;
    }
    if (hasGG) gg[ggo + c] += sg;
    if (hasGB) gb[gbo + c] += sb;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax(__global const float* x, int xo, int cols, __global float* y, int yo) {
    __local float part[WG];
    int row = get_group_id(0), l = get_local_id(0);
    float m = -INFINITY;
    for (int c = l; c < cols; c += WG) m = fmax(m, x[xo + row * cols + c]);
    m = group_max(part, m);
    float s = 0.0f;
    for (int c = l; c < cols; c += WG) s += exp(x[xo + row * cols + c] - m);
    float inv = 1.0f / group_sum(part, s);
    for (int c = l; c < cols; c += WG) y[yo + row * cols + c] = exp(x[xo + row * cols + c] - m) * inv;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_backward(__global const float* y, int yo, __global const float* gy, int gyo, int cols,
                      __global float* gx, int gxo) {
    __local float part[WG];
    int row = get_group_id(0), l = get_local_id(0);
    float d = 0.0f;
    for (int c = l; c < cols; c += WG) d += y[yo + row * cols + c] * gy[gyo + row * cols + c];
    d = group_sum(part, d);
    for (int c = l; c < cols; c += WG) {
        int i = row * cols + c;
        gx[gxo + i] = y[yo + i] * (gy[gyo + i] - d);
    }
}

// ----------------------------------------------------------------------------------------------- flow

__kernel void causal_affine(__global const float* x, int xo, __global const float* p, int po, int tokens, int dim,
                            int withScale, __global float* z, int zo, int n) {
    int gid = get_global_id(0);
    if (gid >= n) return;
    int d = gid % dim, row = gid / dim, i = row % tokens;
    float v = x[xo + gid];
    if (i > 0) {
        int pw = withScale ? 2 * dim : dim;
        int pr = po + (row - 1) * pw;
        float alpha = withScale ? p[pr + d] : 0.0f;
        float mu = p[pr + (withScale ? dim : 0) + d];
        v = (v - mu) * exp(-alpha);
    }
    z[zo + gid] = v;
}

// one work-item per parameter element: the gradient of row r of p comes from token r + 1 (zero for the last row)
__kernel void causal_affine_backward_params(__global const float* p, int po, __global const float* z, int zo,
                                            __global const float* gz, int gzo, int tokens, int dim, int withScale,
                                            __global float* gp, int gpo, int n) {
    int gid = get_global_id(0);
    if (gid >= n) return;
    int pw = withScale ? 2 * dim : dim;
    int c = gid % pw, row = gid / pw, i = row % tokens;
    float v = 0.0f;
    if (i < tokens - 1) {
        int d = withScale && c >= dim ? c - dim : c;
        int zi = (row + 1) * dim + d;
        float g = gz[gzo + zi];
        if (withScale && c < dim) {
            v = -g * z[zo + zi];
        } else {
            v = -g * (withScale ? exp(-p[po + row * pw + d]) : 1.0f);
        }
    }
    gp[gpo + gid] = v;
}

__kernel void causal_affine_backward_x(__global const float* p, int po, __global const float* gz, int gzo,
                                       int tokens, int dim, int withScale, __global float* gx, int gxo, int n) {
    int gid = get_global_id(0);
    if (gid >= n) return;
    int d = gid % dim, row = gid / dim, i = row % tokens;
    float g = gz[gzo + gid];
    if (i > 0 && withScale) g *= exp(-p[po + (row - 1) * 2 * dim + d]);
    gx[gxo + gid] = g;
}

// ----------------------------------------------------------------------------------------------- optimiser

__kernel void adamw(__global float* p, int po, __global const float* g, int go, __global float* m, int mo,
                    __global float* v, int vo, float b1, float b2, float eps, float decay, float stepSize,
                    float invBc2Sqrt, float gradScale, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] * gradScale;
    float mi = m[mo + i] * b1 + gi * (1.0f - b1);
    float vi = v[vo + i] * b2 + gi * gi * (1.0f - b2);
    m[mo + i] = mi;
    v[vo + i] = vi;
    float denom = sqrt(vi) * invBc2Sqrt + eps;
    p[po + i] = p[po + i] * decay - stepSize * mi / denom;
}
