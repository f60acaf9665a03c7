"""``python -m bench``: every benchmark, one combined table (see ``bench/_suite.py``)."""

from bench._suite import main

raise SystemExit(main())
