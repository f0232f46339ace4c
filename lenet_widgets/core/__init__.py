"""Core: data, model, training, persistence, structure graph, filter visualization.

Pure functions and small classes over NumPy and Keras. Nothing here imports
ipywidgets or matplotlib; ``tests/product/test_layering.py`` checks it. Names are
resolved lazily, so importing one submodule does not load the others.
"""

from lenet_widgets._lazy import lazy_exports
from lenet_widgets.core.runtime import prepare_tensorflow

# Before anything imports TensorFlow: quiet start-up, thread pools from the CPU quota.
prepare_tensorflow()

_EXPORTS = {
    "INPUT_RANGE": "lenet_widgets.core.data",
    "DataError": "lenet_widgets.core.data",
    "Dataset": "lenet_widgets.core.data",
    "load_dataset": "lenet_widgets.core.data",
    "load_fallback_digits": "lenet_widgets.core.data",
    "load_mnist": "lenet_widgets.core.data",
    "prepare_images": "lenet_widgets.core.data",
    "build_lenet": "lenet_widgets.core.model",
    "check_finite_weights": "lenet_widgets.core.model",
    "compile_lenet": "lenet_widgets.core.model",
    "epochs_trained": "lenet_widgets.core.model",
    "input_range": "lenet_widgets.core.model",
    "make_optimizer": "lenet_widgets.core.model",
    "prepare_for_model": "lenet_widgets.core.model",
    "set_input_range": "lenet_widgets.core.model",
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
    "ModelGraph": "lenet_widgets.core.structure",
    "LayerNode": "lenet_widgets.core.structure",
    "ModelDiff": "lenet_widgets.core.structure",
    "LayerInspection": "lenet_widgets.core.structure",
    "model_graph": "lenet_widgets.core.structure",
    "select_input_layers": "lenet_widgets.core.structure",
    "diff_models": "lenet_widgets.core.structure",
    "inspect_layer": "lenet_widgets.core.structure",
    "FilterHistoryRecorder": "lenet_widgets.core.filter_history",
    "FilterSnapshot": "lenet_widgets.core.filter_history",
    "FilterError": "lenet_widgets.core.filters",
    "FilterResult": "lenet_widgets.core.filters",
    "FilterSearchCancelledError": "lenet_widgets.core.filters",
    "PRESETS": "lenet_widgets.core.filters",
    "DEFAULT_PRESET": "lenet_widgets.core.filters",
    "OBJECTIVES": "lenet_widgets.core.filters",
    "Blur": "lenet_widgets.core.filters",
    "ClipToRange": "lenet_widgets.core.filters",
    "Decay": "lenet_widgets.core.filters",
    "Jitter": "lenet_widgets.core.filters",
    "TotalVariation": "lenet_widgets.core.filters",
    "filter_count": "lenet_widgets.core.filters",
    "maximize_filters": "lenet_widgets.core.filters",
    "preset_arguments": "lenet_widgets.core.filters",
    "top_activating_examples": "lenet_widgets.core.filters",
    "visualizable_layers": "lenet_widgets.core.filters",
    "Attribution": "lenet_widgets.core.attribution",
    "AttributionError": "lenet_widgets.core.attribution",
    "cam_layers": "lenet_widgets.core.attribution",
    "explain": "lenet_widgets.core.attribution",
    "grad_cam": "lenet_widgets.core.attribution",
    "misclassified_indices": "lenet_widgets.core.attribution",
    "predict_classes": "lenet_widgets.core.attribution",
    "saliency": "lenet_widgets.core.attribution",
    "smoothgrad": "lenet_widgets.core.attribution",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
