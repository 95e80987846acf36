package org.tarflow.tensor.reference;

import org.tarflow.tensor.AttentionSpec;

/**
 * Attention in float64, one (batch, head) at a time. qkv [B, T, 3C] (C = H·d), out [B, T, C], lse [B, H, T].
 * Scores s_ij = scale·q_i·k_j over the visible keys j (j ≤ i when causal), p = softmax(s), o_i = Σ_j p_ij v_j.
 */
final class ReferenceAttention {
    private ReferenceAttention() {
    }

    static void forward(AttentionSpec s, double[] qkv, int qkvOff, double[] out, int outOff, double[] lse, int lseOff) {
        int T = s.tokens();
        int d = s.headDim();
        int C = s.width();
        double[] scores = new double[T];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < T; i++) {
                    int q = qkvOff + (b * T + i) * 3 * C + h * d;
                    int visible = s.causal() ? i + 1 : T;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        int k = qkvOff + (b * T + j) * 3 * C + C + h * d;
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += qkv[q + e] * qkv[k + e];
                        }
                        scores[j] = s.scale() * dot;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    lse[lseOff + (b * s.heads() + h) * T + i] = max + Math.log(sum);
                    int o = outOff + (b * T + i) * C + h * d;
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < visible; j++) {
                            acc += scores[j] * qkv[qkvOff + (b * T + j) * 3 * C + 2 * C + h * d + e];
                        }
                        out[o + e] = acc / sum;
                    }
                }
            }
        }
    }

    //   p_ij = exp(s_ij − lse_i)      dp_ij = gO_i·v_j      D_i = Σ_j p_ij dp_ij = gO_i·o_i
    //   ds_ij = p_ij (dp_ij − D_i)    gq_i = scale Σ_j ds_ij k_j    gk_j = scale Σ_i ds_ij q_i    gv_j = Σ_i p_ij gO_i
    static void backward(AttentionSpec s, double[] qkv, int qkvOff, double[] out, int outOff, double[] lse, int lseOff,
                         double[] gOut, int gOutOff, double[] gQkv, int gOff) {
        int T = s.tokens();
        int d = s.headDim();
        int C = s.width();
        for (int b = 0; b < s.batch(); b++) {
            for (int t = 0; t < T; t++) {
                for (int c = 0; c < 3 * C; c++) {
                    gQkv[gOff + (b * T + t) * 3 * C + c] = 0;
                }
            }
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < T; i++) {
                    int q = qkvOff + (b * T + i) * 3 * C + h * d;
                    int go = gOutOff + (b * T + i) * C + h * d;
                    int o = outOff + (b * T + i) * C + h * d;
                    double rowLse = lse[lseOff + (b * s.heads() + h) * T + i];
                    double D = 0;
                    for (int e = 0; e < d; e++) {
                        D += gOut[go + e] * out[o + e];
                    }
                    int visible = s.causal() ? i + 1 : T;
                    for (int j = 0; j < visible; j++) {
                        int k = qkvOff + (b * T + j) * 3 * C + C + h * d;
                        int v = k + C;
                        double dot = 0;
                        double dp = 0;
                        for (int e = 0; e < d; e++) {
                            dot += qkv[q + e] * qkv[k + e];
                            dp += gOut[go + e] * qkv[v + e];
                        }
                        double p = Math.exp(s.scale() * dot - rowLse);
                        double ds = p * (dp - D);
                        int gq = gOff + (b * T + i) * 3 * C + h * d;
                        int gk = gOff + (b * T + j) * 3 * C + C + h * d;
                        int gv = gk + C;
                        for (int e = 0; e < d; e++) {
                            gQkv[gq + e] += s.scale() * ds * qkv[k + e];
                            gQkv[gk + e] += s.scale() * ds * qkv[q + e];
                            gQkv[gv + e] += p * gOut[go + e];
                        }
                    }
                }
            }
        }
    }

    static void decode(AttentionSpec s, double[] qkv, int qkvOff, double[] kc, int kOff, double[] vc, int vOff,
                       int position, double[] sampleScale, double[] out, int outOff) {
        int cap = s.tokens();
        int d = s.headDim();
        int C = s.width();
        double[] scores = new double[position + 1];
        for (int b = 0; b < s.batch(); b++) {
            int row = qkvOff + b * 3 * C;
            for (int c = 0; c < C; c++) {
                kc[kOff + (b * cap + position) * C + c] = qkv[row + C + c];
                vc[vOff + (b * cap + position) * C + c] = qkv[row + 2 * C + c];
            }
            double scale = sampleScale == null ? s.scale() : sampleScale[b];
            for (int h = 0; h < s.heads(); h++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= position; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += qkv[row + h * d + e] * kc[kOff + (b * cap + j) * C + h * d + e];
                    }
                    scores[j] = scale * dot;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= position; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int e = 0; e < d; e++) {
                    double acc = 0;
                    for (int j = 0; j <= position; j++) {
                        acc += scores[j] * vc[vOff + (b * cap + j) * C + h * d + e];
                    }
                    out[outOff + b * C + h * d + e] = acc / sum;
                }
            }
        }
    }
}
