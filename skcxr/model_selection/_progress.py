"""Progress of long searches: one line per finished fit, in the searching process."""

import contextlib

from joblib import parallel_config
from sklearn.utils._param_validation import validate_params

# joblib prints every finished task for verbose in 11..49 (on stderr) until
# a search has more fits than that, then about this many lines per search.
_VERBOSE = 49


# validate_params outermost: calling search_progress() is checked (it takes no
# parameter), the context manager it returns is contextlib's
@validate_params({}, prefer_skip_nested_validation=True)
@contextlib.contextmanager
def search_progress():
    """Report each finished fit of the searches run inside the block.

    Sets joblib's verbosity (:func:`joblib.parallel_config`) for the block, so
    the process that runs :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_validate` and the like prints to
    stderr, as each fit ends, ``Done k out of n | elapsed: ... remaining:
    ...`` (``Done k tasks`` until every fit has been dispatched; pass
    ``pre_dispatch="all"`` to the search to know ``n`` from the start). The
    lines come from the client whatever the backend: sequential, loky,
    threading or a Dask cluster, so a search on remote workers is followed
    where it was started. Searches of more than about 50 fits print about 50
    lines. Off unless asked for; skcxr's own parallel loops (image decoding)
    stay silent inside it. ``GridSearchCV(verbose=1)`` adds the count of fits
    first; ``verbose=3`` adds, where each fit runs, its parameters, score and
    time.

    Yields
    ------
    None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skcxr.model_selection import search_progress
    >>> X, y = np.random.RandomState(0).rand(20, 2), [0, 1] * 10
    >>> search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2)
    >>> with search_progress():  # prints "[Parallel(n_jobs=1)]: Done 1 tasks ..." per fit
    ...     search = search.fit(X, y)
    """
    with parallel_config(verbose=_VERBOSE):
        yield
