"""Python's `round(x, digits)` over a whole array, to the last bit.

numpy's `np.round` scales, rounds and scales back, and so differs from Python's correctly rounded
`round` in the last digit now and then; the JSON carries Python's. Calling `round` per value cost
the classify stage more than its arithmetic (nine scores a sentence). Here numpy rounds the
scaled value to an integer: the scaling errs by at most half a unit in the last place (2**-53 of
the value), so wherever the scaled value lies farther than that from a half, the integer is the
one `round` picks. The few values closer to a half (and any too large for the test) go to `round`
itself. The integer divided by the power of ten is the float nearest to the rounded decimal,
which is what `round` returns.
"""
from __future__ import annotations

import numpy as np

#: Eight times the relative error of one product, as a margin.
_SCALING_ERROR = 2.0 ** -50
#: From here on every float is an integer and the test above says nothing.
_LARGEST_TESTED = 2.0 ** 52
#: Powers of ten up to 10**22 are exact floats, so scaling by one errs only in its product.
_EXACT_POWERS = range(23)
#: Up to this many values `round` itself is quicker: the array way's dozen numpy calls cost
#: about 8 us whatever the size, `round` 0.3 us a value.
_ROUNDED_ONE_BY_ONE = 24


def python_round(values: np.ndarray, digits: int) -> np.ndarray:
    """`round(value, digits)` of each value, as floats of the same shape."""
    if digits not in _EXACT_POWERS:
        raise ValueError(f"digits must be in 0..{_EXACT_POWERS[-1]}, not {digits}")
    values = np.asarray(values, dtype=float)
    if values.size <= _ROUNDED_ONE_BY_ONE:
        return np.array([round(value, digits) for value in values.ravel().tolist()]).reshape(values.shape)
    scale = 10.0 ** digits
    scaled = values * scale
    rounded = np.rint(scaled) / scale
    size = np.abs(scaled)
    with np.errstate(invalid="ignore"):  # infinities: inf - inf is NaN, and NaN goes to `round`
        untrusted = (np.abs(scaled - np.floor(scaled) - 0.5) <= size * _SCALING_ERROR) | ~(size < _LARGEST_TESTED)
    if untrusted.any():
        rounded[untrusted] = [round(value, digits) for value in values[untrusted].tolist()]
    return rounded
