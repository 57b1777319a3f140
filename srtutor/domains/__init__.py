"""Domain-specific super-resolution (survey §5): depth maps, faces, hyperspectral images, video.

Each domain brings data of its own and one extra piece of knowledge that plain SR does not
use. This package gives small, honest, runnable versions of the classic ideas on data that the
package can *make* (synthetic scenes, synthetic spectra, synthetic motion) or that ships with
its dependencies (scikit-image's ``astronaut`` for a face). Real systems need real data
(Middlebury/NYU depth, CelebA/FFHQ faces, CAVE/Harvard hyperspectral cubes, Vid4/REDS video);
the book says so where it matters.

One module per domain; every public name is also importable from ``srtutor.domains``.

* **Depth maps** (survey §5.1, :mod:`~srtutor.domains.depth`): :func:`render_depth_scene` ray-casts planes, spheres and boxes
  into a depth map and a matching RGB image; :func:`simulate_depth_sensor` adds
  depth-dependent noise, quantisation and holes. :func:`joint_bilateral_upsample` is the
  classic RGB-guided baseline (Kopf et al. 2007); :class:`GuidedDepthNet` the small deep one.
* **Faces** (§5.2, :mod:`~srtutor.domains.face`): :data:`ASTRONAUT_FACE_BOX`, :func:`box_mask`, :func:`skin_mask`,
  :func:`region_psnr` (face-aware evaluation) and :func:`weighted_l1_loss` (a facial-prior
  loss that spends more of the network's capacity inside the face, trained with
  :func:`train_weighted_sr`); on the synthetic faces of :mod:`srtutor.priors`,
  :func:`train_landmark_net` (the frozen estimator of Super-FAN's heatmap prior loss) and
  :func:`train_face_sr` (FSRNet-lite with landmark and parsing priors as extra supervision).
* **Hyperspectral** (§5.3, :mod:`~srtutor.domains.hyperspectral`): :func:`endmember_spectra`, :func:`synthetic_hsi`,
  :func:`camera_response`; :func:`sam` (spectral angle mapper), :func:`per_band_psnr`;
  :func:`guided_hsi_fusion` fuses a low-resolution cube with a high-resolution RGB image
  (local linear regression, a guided-filter fusion).
* **Video** (§5.5, :mod:`~srtutor.domains.video`): :func:`fourier_shift`, :func:`synthetic_clip`, :func:`phase_correlation`
  and :func:`multiframe_sr` (motion-compensated iterative back-projection, Irani & Peleg 1991).
"""

from __future__ import annotations

from srtutor.domains.depth import (
    GuidedDepthNet, depth_rmse, depth_sr_batch, fill_holes, joint_bilateral_upsample, render_depth_scene,
    simulate_depth_sensor, train_guided_depth,
)
from srtutor.domains.face import (
    ASTRONAUT_FACE_BOX, box_mask, region_psnr, skin_mask, train_face_sr, train_landmark_net, train_weighted_sr,
    weighted_l1_loss,
)
from srtutor.domains.hyperspectral import (
    camera_response, endmember_spectra, guided_hsi_fusion, per_band_psnr, sam, synthetic_hsi,
)
from srtutor.domains.video import fourier_shift, multiframe_sr, phase_correlation, synthetic_clip

__all__ = [
    "render_depth_scene", "simulate_depth_sensor", "fill_holes", "joint_bilateral_upsample", "GuidedDepthNet",
    "depth_rmse", "depth_sr_batch", "train_guided_depth", "ASTRONAUT_FACE_BOX", "train_weighted_sr", "box_mask",
    "skin_mask", "region_psnr", "weighted_l1_loss", "train_landmark_net", "train_face_sr",
    "endmember_spectra", "camera_response", "synthetic_hsi", "sam", "per_band_psnr", "guided_hsi_fusion",
    "fourier_shift", "synthetic_clip", "phase_correlation", "multiframe_sr",
]
