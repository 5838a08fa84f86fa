"""Pixel classification, as Labkit and Trainable Weka Segmentation do it from SNT's paths.

A filter bank (:mod:`.features`) describes each voxel at several physical
scales; traced paths give the training voxels, one class per channel, and
the background is marked or sampled away from them (:mod:`.training`); a
random forest learns from them and classifies a volume of any size block by
block (:mod:`.forest`); the model is saved in a format that cannot run code
(:mod:`.model_io`). The probability map it gives is a layer to trace on.
"""

from .features import (
    FEATURE_GROUPS,
    FeatureSettings,
    block_features,
    compute_features,
    default_scales,
    feature_halo,
    feature_names,
    iter_feature_blocks,
)
from .forest import (DEFAULT_MEMORY_BUDGET, ChannelMismatchError, PixelClassifier, apply, parse_class_weights,
                     predict_slice, train)
from .model_io import TRUSTED_TYPES, InvalidClassifierError, load_classifier, save_classifier
from .training import BACKGROUND, TrainingSamples, channel_class_name, default_margin, samples_from_paths

__all__ = [
    "FEATURE_GROUPS",
    "FeatureSettings",
    "default_scales",
    "feature_names",
    "feature_halo",
    "compute_features",
    "block_features",
    "iter_feature_blocks",
    "BACKGROUND",
    "TrainingSamples",
    "channel_class_name",
    "default_margin",
    "samples_from_paths",
    "DEFAULT_MEMORY_BUDGET",
    "ChannelMismatchError",
    "PixelClassifier",
    "parse_class_weights",
    "train",
    "apply",
    "predict_slice",
    "TRUSTED_TYPES",
    "InvalidClassifierError",
    "save_classifier",
    "load_classifier",
]
