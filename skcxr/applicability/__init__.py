"""Is an image one skcxr should judge? The applicability gate.

:class:`ApplicabilityGate` is fitted on the training images beside the model.
Per image it says (a) whether it is a frontal chest X-ray at all and (b)
whether it looks like the training sources or comes from an unfamiliar one.
:func:`check_images` asks the gate a fitted estimator carries; a model that
carries one warns (:class:`ApplicabilityWarning`) when an image fails it.
"""

from ._gate import ApplicabilityGate, ApplicabilityWarning, check_images, find_gate, warn_if_inapplicable

__all__ = [
    "ApplicabilityGate",
    "ApplicabilityWarning",
    "check_images",
    "find_gate",
    "warn_if_inapplicable",
]
