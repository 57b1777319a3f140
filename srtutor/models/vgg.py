"""The VGG19 feature extractor moved to :mod:`srtutor.vgg` (it is a loss network, used by
:mod:`srtutor.losses`, which sits below the models); this module re-exports its public names."""

from srtutor.vgg import (  # noqa: F401
    VGG19_LAYERS, VGG19_URL, VGG19Features, default_cache_dir, hash_prefix, load_vgg19_state, verify_file,
    vgg19_features,
)
from srtutor.vgg import __all__  # noqa: F401
