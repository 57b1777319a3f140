"""``python -m srtutor train``: option resolution with ``--recipe`` and a tiny real run."""

import torch

from srtutor.cli import main
from srtutor.recipes import get_recipe


def _parse(*argv):
    import argparse

    from srtutor.cli_train import _add_arguments

    p = argparse.ArgumentParser()
    _add_arguments(p)
    return p.parse_args(list(argv))


def test_recipe_fills_unset_options_and_flags_win():
    from srtutor.cli_train import resolve_options

    r = get_recipe("fsrcnn-x3")
    args, kwargs = resolve_options(_parse("--recipe", "fsrcnn-x3", "--steps", "7", "--out", "x.pt"))
    assert (args.model, args.scale, args.patch, args.batch, args.lr) == (r.model, r.scale, r.patch, r.batch, r.lr)
    assert (args.loss, args.schedule, args.seed) == (r.loss, r.schedule, r.seed)
    assert args.steps == 7 and kwargs == dict(r.kwargs)
    full, _ = resolve_options(_parse("--recipe", "fsrcnn-x3", "--full", "--out", "x.pt"))
    assert full.steps == r.full_steps


def test_without_recipe_defaults_apply():
    from srtutor.cli_train import _DEFAULTS, resolve_options

    args, kwargs = resolve_options(_parse("--model", "espcn", "--scale", "2", "--out", "x.pt"))
    assert all(getattr(args, k) == v for k, v in _DEFAULTS.items()) and kwargs == {}


def test_errors_exit_2(capsys, tmp_path):
    assert main(["train", "--out", str(tmp_path / "a.pt")]) == 2
    assert "--recipe" in capsys.readouterr().err
    assert main(["train", "--recipe", "nope-x9", "--out", str(tmp_path / "a.pt")]) == 2
    assert "unknown recipe" in capsys.readouterr().err


def test_tiny_recipe_run_writes_a_loadable_checkpoint(capsys, tmp_path):
    out = tmp_path / "espcn.pt"
    assert main(["train", "--recipe", "espcn-x2", "--steps", "2", "--batch", "2", "--patch", "8",
                 "--out", str(out), "--no-progress", "--log-every", "1", "--device", "cpu"]) == 0
    state = torch.load(out, weights_only=True)
    assert state["meta"]["name"] == "espcn" and state["meta"]["recipe"] == "espcn-x2"


def test_recipe_multi_scale_and_deep_supervision_reach_train():
    from srtutor.cli_train import resolve_options

    args, kwargs = resolve_options(_parse("--recipe", "carn-x3", "--out", "x.pt"))
    assert kwargs == {"multi_scale": True} and args.train_extra["scales"] == (2, 3, 4)
    args, _ = resolve_options(_parse("--recipe", "lapsrn-x4", "--out", "x.pt"))
    assert args.train_extra == {"scales": None, "deep_supervision": True, "grad_clip": None}
    args, _ = resolve_options(_parse("--recipe", "edsr-baseline-x4", "--out", "x.pt"))
    assert args.recipe_init == "edsr-baseline-x2"
    args, kwargs = resolve_options(_parse("--recipe", "vdsr-x234", "--model", "espcn", "--out", "x.pt"))
    assert args.train_extra == {} and kwargs == {}  # another model: the recipe's model options do not apply


def test_tiny_multi_scale_recipe_run(tmp_path):
    out = tmp_path / "carn.pt"
    assert main(["train", "--recipe", "carn-x234", "--steps", "3", "--batch", "2", "--patch", "6",  # HR 12: /2, /3, /4
                 "--out", str(out), "--no-progress", "--log-every", "1", "--device", "cpu"]) == 0
    from srtutor.train import load_checkpoint

    net, meta = load_checkpoint(out)
    assert meta["kwargs"] == {"multi_scale": True} and sorted(net.upsample) == ["2", "3", "4"]
