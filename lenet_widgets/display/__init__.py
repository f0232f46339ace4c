"""Display: show or save pictures and reports in a notebook or on disk.

Each function here combines core (the numbers, from a Keras model) with
plotting (the drawing) and returns something a notebook cell displays or a
file: the model picture (``plot_model``, Graphviz or matplotlib), HTML reports
(``summary_html``, ``layer_report``, ``compare_models``), Netron, filter grids
and attribution maps. No widgets: ``ui`` builds its panels on these functions,
and the CLI calls them too. ``tests/product/test_layering.py`` checks the imports.

Modules: ``model_picture`` (``plot_model``, ``StructurePicture``), ``graphviz``
(Keras' pydot graph, made readable), ``reports``, ``netron``, ``filters``,
``attribution``, ``errors``. Names are resolved lazily, as in ``core``.
"""

from lenet_widgets._lazy import lazy_exports_from_stub

# The public names and their modules are listed once, in __init__.pyi.
__getattr__, __dir__, __all__ = lazy_exports_from_stub(__name__, __file__, globals())
