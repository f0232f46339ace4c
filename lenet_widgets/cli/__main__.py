"""``python -m lenet_widgets.cli``: the same as ``lenet-widgets``."""

from lenet_widgets.cli import main

raise SystemExit(main())
