"""What ``fit`` and ``evaluate`` are fed: inputs checked against the model, batches made as drawn.

``model_io``, ``check_images`` and ``check_labels`` refuse data that does not fit
the model with a message saying what was expected (instead of a TensorFlow error
deep in a graph). ``ImageBatches`` keeps the images as given (uint8 stays uint8)
and converts each batch to the model's input range when Keras asks for it: the
memory side of training (``EVALUATION_BATCH_SIZE`` and ``SMALL_EVALUATION`` were
measured).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from lenet_widgets.core.data import (
    convert_images,
    images_are_pixels,
    pixel_scaling,
    with_channel_axis,
)
from lenet_widgets.core.model import input_range

__all__ = [
    "EVALUATION_BATCH_SIZE",
    "SMALL_EVALUATION",
    "ImageBatches",
    "check_images",
    "check_labels",
    "model_io",
    "validation_batches",
]


def model_io(model: keras.Model) -> tuple[tuple[int, ...], int]:
    """The ``(height, width, channels)`` a model takes and the number of classes it outputs.

    Raises:
        ValueError: a subclassed model (no symbolic inputs: call it once, or use a
            Sequential or functional model) or one that is not an image classifier.
    """
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):  # Subclassed models have no symbolic graph.
        inputs = outputs = None
    if not inputs or not outputs:
        raise ValueError(
            f"model {model.name!r} ({type(model).__name__}) has no known inputs and outputs "
            "(a subclassed model); expected a Sequential or functional model such as "
            "build_lenet()."
        )
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs and {len(outputs)} outputs; "
            "expected one image input and one class output."
        )
    shape, output = tuple(inputs[0].shape[1:]), tuple(outputs[0].shape[1:])
    if len(shape) != 3 or len(output) != 1:
        raise ValueError(
            f"model {model.name!r} maps {shape} to {output}; expected (height, width, channels) "
            "images to (classes,)."
        )
    return tuple(int(size) for size in shape), int(output[0])


def check_images(images: np.ndarray, shape: tuple[int, ...], name: str = "images") -> None:
    """Raise ``ValueError`` unless prepared ``images`` are ``(N, *shape)`` (the model's input)."""
    if tuple(images.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{name} are {tuple(images.shape[1:])} each (height, width, channels); the model "
            f"expects {tuple(shape)}: resize them or build the model for this shape "
            "(RGB images need channels 3, grey ones 1)."
        )


def check_labels(labels: np.ndarray, num_classes: int, name: str = "labels") -> np.ndarray:
    """Return labels as an int array, raising if any is outside ``0..num_classes-1``."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} have shape {labels.shape}; expected a 1-D array of class ids.")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise ValueError(f"{name} have dtype {labels.dtype}; expected integer class ids.")
    if not np.issubdtype(labels.dtype, np.integer):
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not np.all(whole):
            bad = labels[~whole][0]
            raise ValueError(
                f"{name} hold {bad!r}, which is not a class id; expected integers "
                f"0..{num_classes - 1}."
            )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{name} range over {labels.min()}..{labels.max()}; expected 0..{num_classes - 1}."
        )
    return labels.astype(np.int64)


EVALUATION_BATCH_SIZE = 128
"""Images per batch when evaluating and validating.

Measured on LeNet and the 10,000 MNIST test images: batches of 512 raise the
process's peak memory by 37 MB (activations of 512 images), batches of 128 by
2 MB, at no measurable cost in time on CPU.
"""

SMALL_EVALUATION = 4096
"""Up to this many images, ``evaluate`` converts them at once instead of batch by batch."""


class ImageBatches(keras.utils.PyDataset):
    """Batches of images converted to a model's input range as they are drawn.

    The images stay as given (uint8: 47 MB for MNIST's 60,000 training images);
    each batch is converted to float32 when Keras asks for it, so no float32
    copy of the whole set (188 MB) is ever made. The values are checked once, at
    construction, with ``core.data.images_are_pixels``.

    Args:
        images: ``(N, H, W, C)`` images (see ``core.data.with_channel_axis``).
        labels: ``(N,)`` class ids (already checked).
        batch_size: images per batch; the last batch may be smaller.
        value_range: ``(low, high)`` the model expects (``input_range(model)``).
        name: what to call the images in a message.
        shuffle: draw the images in a new random order at every epoch.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        batch_size: int,
        value_range: tuple[float, float],
        *,
        name: str = "images",
        shuffle: bool = False,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self._images = images
        self._labels = labels
        self._batch_size = int(batch_size)
        self._range = value_range
        self._pixels = images_are_pixels(images, value_range, name=name)
        self._shuffle = shuffle
        self._rng = np.random.default_rng()
        self._order = np.arange(len(images))
        self.reshuffle()

    def reshuffle(self, seed: int | None = None) -> None:
        """Draw a new order (from ``seed`` when given, making every later epoch repeatable)."""
        if seed is not None:
            self._rng = np.random.default_rng(int(seed))
        if self._shuffle:
            self._order = self._rng.permutation(len(self._images))

    def __len__(self) -> int:
        return -(-len(self._images) // self._batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self._raw_batch(index)
        return convert_images(images, self._range, pixels=self._pixels), labels

    def _raw_batch(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index`` as stored (uint8 stays uint8), in this epoch's order."""
        rows = slice(index * self._batch_size, (index + 1) * self._batch_size)
        if self._shuffle:
            rows = self._order[rows]
        return self._images[rows], self._labels[rows]

    def _convert_in_graph(self, images: tf.Tensor, labels: tf.Tensor) -> tuple:
        """``convert_images`` as TensorFlow operations (``pixel_scaling``'s same float32 steps)."""
        images = tf.cast(images, tf.float32)
        scaling = pixel_scaling(self._range, pixels=self._pixels)
        if scaling is not None:
            images = images / 255.0
            if scaling != (1.0, 0.0):
                scale, low = scaling
                images = images * scale + low
        return images, labels

    def on_epoch_end(self) -> None:
        self.reshuffle()

    def as_dataset(self) -> tf.data.Dataset:
        """These batches as the ``tf.data`` pipeline handed to ``fit`` and ``evaluate``.

        Keras would wrap this ``PyDataset`` in ``prefetch(AUTOTUNE)`` itself. The
        autotuning thread that starts then sleeps for growing periods, and deleting the
        pipeline waits for it to wake up: ``fit`` returned up to 20 s after its last
        validation batch, in about one run in three (measured with a thread dump: the
        training thread waits in the iterator's destructor for tf.data's optimization
        loop). Here autotuning is off and one batch is made ahead, as Keras would do.
        Python only picks each batch's rows (uint8 stays uint8); the conversion to the
        model's range runs as TensorFlow operations, off the interpreter (the same
        numbers as ``self[index]``). Each pass over the pipeline is one epoch: it ends
        with ``on_epoch_end`` (a new order when shuffling), as Keras does for a
        ``PyDataset``.
        """
        signature = (
            tf.TensorSpec((None, *self._images.shape[1:]), tf.as_dtype(self._images.dtype)),
            tf.TensorSpec((None, *self._labels.shape[1:]), tf.as_dtype(self._labels.dtype)),
        )

        def one_epoch():
            for index in range(len(self)):
                yield self._raw_batch(index)
            self.on_epoch_end()

        dataset = tf.data.Dataset.from_generator(one_epoch, output_signature=signature)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(self)))
        dataset = dataset.map(self._convert_in_graph)
        options = tf.data.Options()
        options.autotune.enabled = False
        return dataset.prefetch(1).with_options(options)


def validation_batches(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> ImageBatches:
    """Validation images and labels checked against ``model``, as ``EVALUATION_BATCH_SIZE`` batches.

    The same checks as ``train``'s own inputs, with messages naming "validation images"
    and "validation labels"; used by ``train(validation_data=...)`` and ``TrainingMonitor``.
    """
    shape, num_classes = model_io(model)
    images = with_channel_axis(images, "validation images")
    check_images(images, shape, "validation images")
    labels = check_labels(labels, num_classes, "validation labels")
    if len(images) != len(labels):
        raise ValueError(
            f"validation images are {len(images)} but validation labels are {len(labels)}."
        )
    return ImageBatches(
        images, labels, EVALUATION_BATCH_SIZE, input_range(model), name="validation images"
    )
