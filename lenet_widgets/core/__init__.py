"""Core: data, model, training, persistence, structure graph, filter visualization.

Pure functions and small classes over NumPy and Keras. Nothing here imports
ipywidgets or matplotlib; ``tests/test_layering.py`` checks it. Names are
resolved lazily, so importing one submodule does not load the others.
"""

from lenet_widgets._lazy import lazy_exports

_EXPORTS = {
    "INPUT_RANGE": "lenet_widgets.core.data",
    "DataError": "lenet_widgets.core.data",
    "Dataset": "lenet_widgets.core.data",
    "load_dataset": "lenet_widgets.core.data",
    "load_fallback_digits": "lenet_widgets.core.data",
    "load_mnist": "lenet_widgets.core.data",
    "prepare_images": "lenet_widgets.core.data",
    "build_lenet": "lenet_widgets.core.model",
    "compile_lenet": "lenet_widgets.core.model",
    "epochs_trained": "lenet_widgets.core.model",
    "input_range": "lenet_widgets.core.model",
    "make_optimizer": "lenet_widgets.core.model",
    "weights_fingerprint": "lenet_widgets.core.model",
    "ModelFileError": "lenet_widgets.core.persistence",
    "UnsafeModelError": "lenet_widgets.core.persistence",
    "describe_model": "lenet_widgets.core.persistence",
    "load_model": "lenet_widgets.core.persistence",
    "load_weights": "lenet_widgets.core.persistence",
    "save_model": "lenet_widgets.core.persistence",
    "train": "lenet_widgets.core.training",
    "TrainingMonitor": "lenet_widgets.core.training",
    "evaluate": "lenet_widgets.core.training",
    "FeatureMapProbe": "lenet_widgets.core.activations",
    "FeatureMaps": "lenet_widgets.core.activations",
    "feature_map_layers": "lenet_widgets.core.activations",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
