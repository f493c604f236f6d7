#!/usr/bin/python3
"""Reference values for the contrastive losses, with Debian's python3-torch:
open_clip's ClipLoss formulation and big_vision's SigLIP loss, written here
independently of the C++ code, in float64. Prints JSON: the inputs, the
losses and the gradients with respect to both embeddings and the log scale."""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
n, d = 8, 16
image = torch.randn(n, d, dtype=torch.float64)
gene = torch.randn(n, d, dtype=torch.float64)
out = {"image": image.tolist(), "gene": gene.tolist()}

for name, init_scale, init_bias in (("clip", 1 / 0.07, 0.0), ("siglip", 10.0, -10.0)):
    img = image.clone().requires_grad_(True)
    gen = gene.clone().requires_grad_(True)
    log_scale = torch.tensor(math.log(init_scale), dtype=torch.float64, requires_grad=True)
    bias = torch.tensor(init_bias, dtype=torch.float64, requires_grad=True)
    i = F.normalize(img, dim=-1)
    g = F.normalize(gen, dim=-1)
    scale = log_scale.exp().clamp(max=100)
    if name == "clip":  # open_clip.loss.ClipLoss
        logits_per_image = scale * i @ g.T
        logits_per_text = scale * g @ i.T
        labels = torch.arange(n)
        loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2
    else:  # big_vision sigmoid loss
        logits = scale * i @ g.T + bias
        labels = 2 * torch.eye(n, dtype=torch.float64) - 1
        loss = -F.logsigmoid(labels * logits).sum() / n
    loss.backward()
    out[name] = {
        "loss": loss.item(),
        "grad_image": img.grad.tolist(),
        "grad_gene": gen.grad.tolist(),
        "grad_log_scale": log_scale.grad.item(),
        "logits": (scale * i @ g.T + (bias if name == "siglip" else 0)).tolist(),
    }
print(json.dumps(out))
