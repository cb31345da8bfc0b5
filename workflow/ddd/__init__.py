"""ddd: how similarly neural networks err, image by image (dichotomous data difficulty)."""

import os

__version__ = "0.1.0"


def jobs_import_from(folder: str) -> None:
    """Make every process started from here (the rules' jobs) import ddd from `folder`
    first, through PYTHONPATH: Snakemake appends its own search path after site-packages,
    so an installed copy of ddd (an editable install of another checkout) would otherwise
    win in the rules' scripts."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != folder]
    os.environ["PYTHONPATH"] = os.pathsep.join([folder, *rest])
