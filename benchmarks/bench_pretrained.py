"""CPU/CUDA time of srtutor's pretrained models for one 512x512 output image (and bigger, tiled).

    python benchmarks/bench_pretrained.py [--threads 1] [--device cpu] [--side 512] [--repeats 5]

For each shipped model (srtutor.pretrained.available_pretrained()): the LR image is a
(side/s)x(side/s) RGB crop of an embedded image; "network" times the forward pass alone
(srtutor.models.cost.time_per_image, Y or RGB input as the model takes it), "upscale" the
whole srtutor.models.upscale call (Y extraction, bicubic chroma, conversion back to RGB).
Minimum over the repeats (the machine may be shared: the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--side", type=int, default=512)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from srtutor import data, get_device
    from srtutor.models import count_parameters, upscale
    from srtutor.models.cost import count_flops, time_per_image
    from srtutor.pretrained import available_pretrained, model_card, pretrained

    dev = get_device(args.device)
    img = data.embedded_image("astronaut")
    print(f"device {dev}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()}")
    print(f"{'model':<17} {'params':>8} {'GFLOPs':>7} {'network s':>10} {'upscale s':>10}   (output {args.side}x{args.side})")
    for key in available_pretrained():
        card = model_card(*key.rsplit("-x", 1)[:1], int(key.rsplit("-x", 1)[1]))
        s = card["scale"]
        net = pretrained(card["model"], s, device=dev)
        n = args.side // s
        lr = img[:, :n, :n].to(dev)
        t_net = time_per_image(net, (n, n), repeats=args.repeats)["min_s"]
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            upscale(net, lr, s)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
        print(f"{key:<17} {count_parameters(net):>8,} {count_flops(net, (n, n)) / 1e9:>7.2f} {t_net:>10.3f} "
              f"{min(times):>10.3f}   (median upscale {statistics.median(times):.3f})")


if __name__ == "__main__":
    main()
