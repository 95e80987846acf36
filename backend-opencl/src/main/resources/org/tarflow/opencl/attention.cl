// Attention kernels of the tarflow OpenCL backend, compiled once per head size: -DHD=<head size>.
// qkv is [B, T, 3C] (q | k | v, heads of HD consecutive channels), out [B, T, C], lse and D [B, H, T].
// Each work-item owns one query row (or one key row) and keeps its HD-long accumulators in private memory.

// online softmax over the visible keys: out_i = Σ_j softmax(s)_j v_j, lse_i = log Σ_j exp(s_ij)
__kernel void attention_forward(__global const float* qkv, int qo, int B, int T, int H, float scale, int causal,
                                __global float* out, int oo, __global float* lse, int lo) {
    int gid = get_global_id(0);
    if (gid >= B * H * T) return;
    int i = gid % T, bh = gid / T, h = bh % H, b = bh / H;
    int C = H * HD, C3 = 3 * C;
    float q[HD], acc[HD];
    __global const float* qr = qkv + qo + (b * T + i) * C3 + h * HD;
    for (int e = 0; e < HD; e++) {
        q[e] = qr[e] * scale;
        acc[e] = 0.0f;
    }
    float m = -INFINITY, s = 0.0f;
    int visible = causal ? i + 1 : T;
    for (int j = 0; j < visible; j++) {
        __global const float* kr = qkv + qo + (b * T + j) * C3 + C + h * HD;
        float sc = 0.0f;
        for (int e = 0; e < HD; e++) sc = fma(q[e], kr[e], sc);
        float mn = fmax(m, sc);
        float corr = exp(m - mn), p = exp(sc - mn);
        s = s * corr + p;
        __global const float* vr = kr + C;
        for (int e = 0; e < HD; e++) acc[e] = fma(p, vr[e], acc[e] * corr);
        m = mn;
    }
    float inv = 1.0f / s;
    for (int e = 0; e < HD; e++) out[oo + (b * T + i) * C + h * HD + e] = acc[e] * inv;
    lse[lo + (b * H + h) * T + i] = m + log(s);
}

//   p_ij = exp(scale·q_i·k_j − lse_i)   dp_ij = dO_i·v_j   D_i = dO_i·o_i   ds_ij = p_ij (dp_ij − D_i)
//   dQ_i = scale Σ_j ds_ij k_j (this kernel, one work-item per query; it also stores D_i)
__kernel void attention_backward_q(__global const float* qkv, int qo, __global const float* out, int oo,
                                   __global const float* lse, int lo, __global const float* gout, int go, int B, int T,
                                   int H, float scale, int causal, __global float* dd, __global float* gqkv, int gq) {
    int gid = get_global_id(0);
    if (gid >= B * H * T) return;
    int i = gid % T, bh = gid / T, h = bh % H, b = bh / H;
    int C = H * HD, C3 = 3 * C;
    float q[HD], g[HD], acc[HD];
    __global const float* qr = qkv + qo + (b * T + i) * C3 + h * HD;
    __global const float* gr = gout + go + (b * T + i) * C + h * HD;
    __global const float* orow = out + oo + (b * T + i) * C + h * HD;
    float d = 0.0f;
    for (int e = 0; e < HD; e++) {
        q[e] = qr[e];
        g[e] = gr[e];
        acc[e] = 0.0f;
        d = fma(g[e], orow[e], d);
    }
    dd[(b * H + h) * T + i] = d;
    float l = lse[lo + (b * H + h) * T + i];
    int visible = causal ? i + 1 : T;
    for (int j = 0; j < visible; j++) {
        __global const float* kr = qkv + qo + (b * T + j) * C3 + C + h * HD;
        __global const float* vr = kr + C;
        float sc = 0.0f, dp = 0.0f;
        for (int e = 0; e < HD; e++) {
            sc = fma(q[e], kr[e], sc);
            dp = fma(g[e], vr[e], dp);
        }
        float ds = exp(scale * sc - l) * (dp - d);
        for (int e = 0; e < HD; e++) acc[e] = fma(ds, kr[e], acc[e]);
    }
    for (int e = 0; e < HD; e++) gqkv[gq + (b * T + i) * C3 + h * HD + e] = scale * acc[e];
}

//   dK_j = scale Σ_i ds_ij q_i,  dV_j = Σ_i p_ij dO_i  (one work-item per key; D from attention_backward_q)
__kernel void attention_backward_kv(__global const float* qkv, int qo, __global const float* lse, int lo,
                                    __global const float* gout, int go, __global const float* dd, int B, int T, int H,
                                    float scale, int causal, __global float* gqkv, int gq) {
    int gid = get_global_id(0);
    if (gid >= B * H * T) return;
    int j = gid % T, bh = gid / T, h = bh % H, b = bh / H;
    int C = H * HD, C3 = 3 * C;
    float k[HD], v[HD], dk[HD], dv[HD];
    __global const float* kr = qkv + qo + (b * T + j) * C3 + C + h * HD;
    for (int e = 0; e < HD; e++) {
        k[e] = kr[e];
        v[e] = kr[C + e];
        dk[e] = 0.0f;
        dv[e] = 0.0f;
    }
    for (int i = causal ? j : 0; i < T; i++) {
        __global const float* qr = qkv + qo + (b * T + i) * C3 + h * HD;
        __global const float* gr = gout + go + (b * T + i) * C + h * HD;
        float sc = 0.0f, dp = 0.0f;
        for (int e = 0; e < HD; e++) {
            sc = fma(qr[e], k[e], sc);
            dp = fma(gr[e], v[e], dp);
        }
        float p = exp(scale * sc - lse[lo + (b * H + h) * T + i]);
        float ds = p * (dp - dd[(b * H + h) * T + i]);
        for (int e = 0; e < HD; e++) {
            dk[e] = fma(ds, qr[e], dk[e]);
            dv[e] = fma(p, gr[e], dv[e]);
        }
    }
    for (int e = 0; e < HD; e++) {
        gqkv[gq + (b * T + j) * C3 + C + h * HD + e] = scale * dk[e];
        gqkv[gq + (b * T + j) * C3 + 2 * C + h * HD + e] = dv[e];
    }
}

// one cached decoding step per (sequence, head): store this token's k and v at row pos, attend to rows 0..pos
__kernel void attention_decode(__global const float* qkv, int qo, __global float* kc, int ko, __global float* vc,
                               int vo, int B, int cap, int H, int pos, __global const float* scales, float scale,
                               int perSample, __global float* out, int oo) {
    int gid = get_global_id(0);
    if (gid >= B * H) return;
    int h = gid % H, b = gid / H;
    int C = H * HD;
    __global const float* row = qkv + qo + b * 3 * C;
    int slot = (b * cap + pos) * C + h * HD;
    for (int e = 0; e < HD; e++) {
        kc[ko + slot + e] = row[C + h * HD + e];
        vc[vo + slot + e] = row[2 * C + h * HD + e];
    }
    float sc0 = perSample ? scales[b] : scale;
    float q[HD], acc[HD];
    for (int e = 0; e < HD; e++) {
        q[e] = row[h * HD + e] * sc0;
        acc[e] = 0.0f;
    }
    float m = -INFINITY, s = 0.0f;
    for (int j = 0; j <= pos; j++) {
        int r = (b * cap + j) * C + h * HD;
        float sc = 0.0f;
        for (int e = 0; e < HD; e++) sc = fma(q[e], kc[ko + r + e], sc);
        float mn = fmax(m, sc);
        float corr = exp(m - mn), p = exp(sc - mn);
        s = s * corr + p;
        for (int e = 0; e < HD; e++) acc[e] = fma(p, vc[vo + r + e], acc[e] * corr);
        m = mn;
    }
    float inv = 1.0f / s;
    for (int e = 0; e < HD; e++) out[oo + b * C + h * HD + e] = acc[e] * inv;
}
