"""Convert srtutor 0.1's shipped CARN weights to the paper's upsampler (ReLU after each conv).

    python scripts/fold_carn_upsampler_relu.py [--margin 1.0] [--dry-run]

srtutor 0.1's CARN lacked the ReLU between each upsampler convolution and its pixel shuffle
(Ahn et al. 2018; github.com/nmhkahn/CARN-pytorch ``ops._UpsampleBlock``). The shipped
``carn-x234.pt`` (recipe ``carn-x234``) was trained without it. This script moves those weights
to the paper's architecture without retraining, exactly wherever the ReLU lets everything pass:

1. run the old network on the training images (T91, LR by MATLAB bicubic at ×2, ×3, ×4) and record,
   for every feature channel after each pixel shuffle, the most negative pre-activation
   ``-c_f`` of the upsampler convolutions;
2. add ``c_f`` (times ``--margin``) to those convolutions' biases, so that the ReLU sees
   ``y + c >= 0`` on everything seen in training, and subtract it again through the next
   convolution: ``b' = b - (sum_k W[:, f, k]) c_f`` — the second ×4 stage's convolution and the
   exit convolution shared by all scales (one ``c`` for the three final stages, so that one exit
   bias serves them all);
3. save float16 weights, update the three model cards (kwargs, sha256, a note) and re-measure
   their Set5/Set14 figures (:func:`srtutor.train.export.measure`).

The function is unchanged except within a few pixels of the image border (zero padding of the
next convolution sees no offset there; the benchmark protocol crops ``scale`` pixels) and where a
test image drives a pre-activation below ``-c``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--margin", type=float, default=1.0, help="multiply the offsets (>= 1)")
    p.add_argument("--dry-run", action="store_true", help="measure only; write nothing")
    p.add_argument("--data-dir", default=None, help="benchmark root for the cards' figures")
    args = p.parse_args(argv)

    from srtutor import data
    from srtutor.checkpoint import atomic_save
    from srtutor.evaluate import evaluate_images
    from srtutor.io import atomic_write, sha256_file
    from srtutor.models import create
    from srtutor.models.zoo import WEIGHTS_DIR, pretrained
    from srtutor.resize import imresize, modcrop
    from srtutor.train.export import measure

    path = WEIGHTS_DIR / "carn-x234.pt"
    cards_path = WEIGHTS_DIR / "weights.json"
    cards = json.loads(cards_path.read_text())
    if cards["carn-x2"]["kwargs"].get("upsample_relu", True):
        print("the shipped carn weights already have the paper's upsampler; nothing to do")
        return 0
    w = {k: v.float() for k, v in torch.load(path, weights_only=True).items()}
    old = create("carn", scale=2, multi_scale=True, upsample_relu=False)
    old.load_state_dict(w)
    old.eval()
    convs = {"2.0": old.upsample["2"][0], "3.0": old.upsample["3"][0], "4.0": old.upsample["4"][0],
             "4.2": old.upsample["4"][2]}
    mins: dict[str, torch.Tensor] = {}

    def hook(name):
        def f(mod, inp, out):
            m = out.amin(dim=(0, 2, 3))
            mins[name] = m if name not in mins else torch.minimum(mins[name], m)
        return f

    hooks = [c.register_forward_hook(hook(k)) for k, c in convs.items()]
    with torch.no_grad():
        for hr in data.load_training_images(fallback_embedded=False).values():
            for s in (2, 3, 4):
                old(imresize(modcrop(hr, s), scale=1 / s).clamp(0, 1)[None], scale=s)
    for h in hooks:
        h.remove()
    feats = old.exit.weight.shape[1]

    def need(name, s):  # per feature channel after the shuffle: the largest -min over its s*s sub-positions
        return (-mins[name]).clamp(min=0).view(feats, s * s).amax(1)

    c_final = torch.stack([need("2.0", 2), need("3.0", 3), need("4.2", 2)]).amax(0) * args.margin
    c_mid = need("4.0", 2) * args.margin
    new = dict(w)
    for key, c, s in (("upsample.2.0", c_final, 2), ("upsample.3.0", c_final, 3), ("upsample.4.0", c_mid, 2),
                      ("upsample.4.2", c_final, 2)):
        new[f"{key}.bias"] = new[f"{key}.bias"] + c.repeat_interleave(s * s)
    new["upsample.4.2.bias"] = new["upsample.4.2.bias"] - new["upsample.4.2.weight"].sum((2, 3)) @ c_mid
    new["exit.bias"] = new["exit.bias"] - new["exit.weight"].sum((2, 3)) @ c_final
    new = {k.replace("upsample.4.2.", "upsample.4.3."): v for k, v in new.items()}  # the ReLU is layer 1 now
    print(f"offsets: final stages max {c_final.max():.3f} mean {c_final.mean():.3f}; first x4 stage max "
          f"{c_mid.max():.3f}; exit bias {w['exit.bias'].tolist()} -> {new['exit.bias'].tolist()}")
    half = {k: v.half().contiguous() for k, v in new.items()}
    net = create("carn", scale=2, multi_scale=True)
    net.load_state_dict({k: v.float() for k, v in half.items()})
    net.eval()
    if args.dry_run:
        for ds in ("Set5", "Set14"):
            if data.benchmark_available(ds, args.data_dir):
                im = data.load_benchmark(ds, args.data_dir, dtype=torch.float64)
                for s in (2, 3, 4):
                    r = evaluate_images(im, s, net, protocol="rgb")
                    print(ds, s, round(r["psnr"], 4), "card", cards[f"carn-x{s}"]["results"].get(ds, {}).get("psnr"))
        return 0
    atomic_save(half, path)
    digest = sha256_file(path)
    note = ("srtutor 0.1's weights (trained without the paper's upsampler ReLU) converted to the paper's "
            "architecture by scripts/fold_carn_upsampler_relu.py: per-channel offsets folded into the upsampler "
            f"and exit biases (margin {args.margin:g}), not retrained; figures re-measured after the conversion "
            "(before: " + ", ".join(f"x{s} Set5 {cards[f'carn-x{s}']['results']['Set5']['psnr']:.4f}"
                                    for s in (2, 3, 4)) + ")")
    for s in (2, 3, 4):
        card = cards[f"carn-x{s}"]
        card["kwargs"] = {"multi_scale": True}
        card["sha256"] = digest
        card["note"] = note
    with atomic_write(cards_path, "w") as f:
        json.dump(dict(sorted(cards.items())), f, indent=1)
        f.write("\n")
    for s in (2, 3, 4):
        cards[f"carn-x{s}"]["results"] = measure(pretrained("carn", s), s, root=args.data_dir)
        print(s, cards[f"carn-x{s}"]["results"])
    with atomic_write(cards_path, "w") as f:
        json.dump(dict(sorted(cards.items())), f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
