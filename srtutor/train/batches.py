"""Endless, resumable streams of training batches, single process or sharded under DDP.

A ``Dataset`` is shuffled per epoch (``RandomSampler`` with its own seeded generator, or a
``DistributedSampler`` whose shard depends on the rank) and cut into batches of ``batch_size``
(the last incomplete batch of an epoch is dropped). :class:`BatchStream` can *skip* the first
``start`` batches without loading them, which is how a resumed run (``train(..., resume=...)``)
sees exactly the batches the interrupted run would have seen next.

Anything else (a ``DataLoader``, a generator of batches, a list) is used as given and cycled.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Union

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, IterableDataset, RandomSampler

__all__ = ["BatchStream"]


def _is_map_dataset(data: Any) -> bool:
    return isinstance(data, Dataset) and not isinstance(data, IterableDataset)


class BatchStream:
    """Iterator of batches for the training engine.

    Args:
        data: a map-style ``Dataset`` of ``(lr, hr, ...)`` items (shuffled, sharded under DDP),
            or any iterable of ready batches (a ``DataLoader``, a generator...), cycled.
        batch_size: items per batch and process (map-style datasets only).
        world, rank: DDP world size and this process's rank.
        seed: seeds the shuffling (the same on every rank; the shard differs).
        num_workers: ``DataLoader`` worker processes.
        start: number of batches to skip (resuming after ``start`` optimiser steps).
    """

    def __init__(self, data: Union[Dataset, DataLoader, Iterable], batch_size: int, *, world: int = 1,
                 rank: int = 0, seed: int = 0, num_workers: int = 0, start: int = 0):
        self.data, self.batch_size, self.num_workers = data, int(batch_size), int(num_workers)
        self.sampler = None
        if _is_map_dataset(data):
            if world > 1:
                self.sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=seed,
                                                  drop_last=True)
            else:
                self.sampler = RandomSampler(data, generator=torch.Generator().manual_seed(seed))
            self.per_epoch = len(self.sampler) // self.batch_size
            if self.per_epoch == 0:
                raise ValueError(f"data has {len(data)} items, fewer than batch_size={batch_size} per process")
        self._it = self._generate(int(start))

    def _epoch_batches(self, epoch: int) -> list[list[int]]:
        if isinstance(self.sampler, DistributedSampler):
            self.sampler.set_epoch(epoch)
        idx = list(self.sampler)  # a RandomSampler advances its generator: one permutation per epoch
        b = self.batch_size
        return [idx[i:i + b] for i in range(0, self.per_epoch * b, b)]

    def _generate(self, start: int) -> Iterator[Any]:
        if self.sampler is None:
            yield from self._cycle(start)
            return
        epoch = 0
        while True:
            batches = self._epoch_batches(epoch)
            if start >= len(batches):  # skipped whole epoch: only its shuffling was drawn
                start -= len(batches)
            else:
                # one DataLoader per epoch (as a plain DataLoader loop does: each iteration draws its
                # base seed from the global RNG, so runs keep their random streams)
                loader = DataLoader(self.data, batch_sampler=batches[start:], num_workers=self.num_workers)
                start = 0
                yield from loader
            epoch += 1

    def _cycle(self, start: int) -> Iterator[Any]:
        seen = 0
        while True:
            n = 0
            for batch in self.data:
                n += 1
                if seen >= start:
                    yield batch
                seen += 1
            if n == 0:
                raise ValueError("data yielded no batches")

    def __iter__(self) -> "BatchStream":
        return self

    def __next__(self) -> Any:
        return next(self._it)
