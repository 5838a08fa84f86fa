"""Pixel classification, as Labkit and Trainable Weka Segmentation do it from SNT's paths.

A filter bank (:mod:`.features`) describes each voxel at several physical
scales; traced paths give the training voxels, one class per channel, and
the background is sampled beside and away from them, and added to where the
user marks it (:mod:`.training`); a random forest learns from them and
classifies a volume of any size block by block (:mod:`.forest`); the model
is saved in a format that cannot run code (:mod:`.model_io`). The probability
map it gives is a layer to trace on, once checked against the share of the
image the traced paths fill (:mod:`.coverage`).
"""

from . import coverage, features, forest, model_io, training
from .coverage import *  # noqa: F403
from .features import *  # noqa: F403 (each module's __all__ is the package's)
from .forest import *  # noqa: F403
from .model_io import *  # noqa: F403
from .training import *  # noqa: F403

__all__ = [*coverage.__all__, *features.__all__, *forest.__all__, *model_io.__all__, *training.__all__]
