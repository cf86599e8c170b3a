#!/usr/bin/python3
"""The shapes `Bench cpu` times, run through PyTorch on the same machine (bf16 weights and activations, the
fast path of a CPU build with oneDNN). Prints one JSON object with the same keys as `Bench cpu --json`.
A 3B decoder layer is written with torch ops the way HF transformers' eager path runs it; the model numbers are
that layer times 36 (+ lm_head for decode)."""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)
BF = torch.bfloat16
REPEAT = 3


def sdpa(q, k, v, causal):
    """HF eager attention (torch 1.13 has no scaled_dot_product_attention): scores, causal mask, softmax in f32."""
    scores = torch.matmul(q, k.transpose(-1, -2)) * (q.shape[-1] ** -0.5)
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        scores = scores + torch.full((L, S), float("-inf"), dtype=scores.dtype).triu(S - L + 1)
    return torch.matmul(torch.softmax(scores.float(), -1).to(q.dtype), v)


def best(fn, repeat=REPEAT):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


out = {}
with torch.inference_mode():
    for name, m, n, k in [("3b_gate_up", 1024, 11008, 2048), ("3b_down", 1024, 2048, 11008), ("3b_q_o", 1024, 2048, 2048),
                          ("3b_k_v", 1024, 256, 2048), ("7b_gate_up", 1024, 18944, 3584), ("7b_down", 1024, 3584, 18944)]:
        x, w = torch.randn(m, k, dtype=BF), torch.randn(n, k, dtype=BF) * 0.02
        out[f"gemm_{name}_gflops"] = 2 * m * n * k / best(lambda: F.linear(x, w)) / 1e9
    for name, n, k in [("3b_gate_up", 11008, 2048), ("3b_down", 2048, 11008), ("3b_q_o", 2048, 2048), ("3b_lm_head", 151936, 2048),
                       ("7b_gate_up", 18944, 3584), ("7b_down", 3584, 18944)]:
        x, w = torch.randn(1, k, dtype=BF), torch.randn(n, k, dtype=BF) * 0.02
        out[f"gemv_{name}_gbs"] = 2 * n * k / best(lambda: F.linear(x, w), REPEAT * 3) / 1e9
    for name, q_len, keys, heads, kv in [("3b_prefill_1024", 1024, 1024, 16, 2), ("3b_decode_1000", 1, 1001, 16, 2), ("7b_decode_1000", 1, 1001, 28, 4)]:
        q = torch.randn(1, heads, q_len, 128, dtype=BF)
        k_ = torch.randn(1, kv, keys, 128, dtype=BF).repeat_interleave(heads // kv, dim=1)
        v_ = torch.randn(1, kv, keys, 128, dtype=BF).repeat_interleave(heads // kv, dim=1)
        causal = q_len > 1
        flops = 4.0 * heads * 128 * (keys if q_len == 1 else q_len * (q_len + 1) / 2)
        out[f"attention_{name}_gflops"] = flops / best(lambda: sdpa(q, k_, v_, causal)) / 1e9

    # One Qwen2 decoder layer at the 3B shape, HF eager style (rms norm in f32, rotary, repeat_kv, sdpa, SwiGLU).
    H, I, NH, KV, D = 2048, 11008, 16, 2, 128
    Wq, Wk, Wv, Wo = (torch.randn(o, i, dtype=BF) * 0.02 for o, i in [(NH * D, H), (KV * D, H), (KV * D, H), (H, NH * D)])
    bq, bk, bv = torch.zeros(NH * D, dtype=BF), torch.zeros(KV * D, dtype=BF), torch.zeros(KV * D, dtype=BF)
    Wg, Wu, Wd = torch.randn(I, H, dtype=BF) * 0.02, torch.randn(I, H, dtype=BF) * 0.02, torch.randn(H, I, dtype=BF) * 0.02
    n1, n2 = torch.ones(H, dtype=BF), torch.ones(H, dtype=BF)

    def rms(x, w):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6)).to(BF) * w

    def rot(x, cos, sin):
        x1, x2 = x[..., : D // 2], x[..., D // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    def layer(x, past_k, past_v):
        L = x.shape[1]
        h = rms(x, n1)
        q = F.linear(h, Wq, bq).view(1, L, NH, D).transpose(1, 2)
        k = F.linear(h, Wk, bk).view(1, L, KV, D).transpose(1, 2)
        v = F.linear(h, Wv, bv).view(1, L, KV, D).transpose(1, 2)
        cos, sin = torch.ones(1, 1, L, D, dtype=BF), torch.zeros(1, 1, L, D, dtype=BF)
        q, k = rot(q, cos, sin), rot(k, cos, sin)
        if past_k is not None:
            k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        kk, vv = k.repeat_interleave(NH // KV, 1), v.repeat_interleave(NH // KV, 1)
        a = sdpa(q, kk, vv, past_k is None)
        x = x + F.linear(a.transpose(1, 2).reshape(1, L, NH * D), Wo)
        h = rms(x, n2)
        return x + F.linear(F.silu(F.linear(h, Wg)) * F.linear(h, Wu), Wd)

    prompt = torch.randn(1, 1024, H, dtype=BF)
    out["prefill_s_3b_1024"] = best(lambda: layer(prompt, None, None), 2) * 36
    past_k, past_v = torch.randn(1, KV, 1024, D, dtype=BF), torch.randn(1, KV, 1024, D, dtype=BF)
    one = torch.randn(1, 1, H, dtype=BF)
    lm_head = torch.randn(151936, H, dtype=BF) * 0.02
    step = best(lambda: layer(one, past_k, past_v), 5) * 36 + best(lambda: F.linear(one, lm_head), 5)
    out["decode_tok_s_3b"] = 1.0 / step
    out["gemm_gflops"], out["gemv_gbs"] = out["gemm_3b_gate_up_gflops"], out["gemv_3b_gate_up_gbs"]

print(json.dumps({k: round(v, 3) for k, v in out.items()}))
