"""Core: data, model, training, persistence (and, later, structure and filters).

Pure functions and small classes over NumPy and Keras. Nothing here imports
ipywidgets or matplotlib; ``tests/test_layering.py`` checks it.
"""

from lenet_widgets.core.data import (
    INPUT_RANGE,
    DataError,
    Dataset,
    load_dataset,
    load_fallback_digits,
    load_mnist,
    prepare_images,
)
from lenet_widgets.core.model import (
    build_lenet,
    compile_lenet,
    epochs_trained,
    input_range,
    make_optimizer,
)
from lenet_widgets.core.persistence import (
    ModelFileError,
    UnsafeModelError,
    describe_model,
    load_model,
    load_weights,
    save_model,
)
from lenet_widgets.core.training import train

__all__ = [
    "INPUT_RANGE",
    "DataError",
    "Dataset",
    "ModelFileError",
    "UnsafeModelError",
    "build_lenet",
    "compile_lenet",
    "describe_model",
    "epochs_trained",
    "input_range",
    "load_dataset",
    "load_fallback_digits",
    "load_mnist",
    "load_model",
    "load_weights",
    "make_optimizer",
    "prepare_images",
    "save_model",
    "train",
]
