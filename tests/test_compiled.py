"""Loading a dependency's compiled module alone (`pipeline.compiled`)."""
import sys

import pytest

from pipeline.compiled import load_alone


def test_a_missing_compiled_module_is_an_import_error_naming_it():
    for qualified in ("scipy.sparse._not_a_module", "not_a_package_here.kernels"):
        with pytest.raises(ImportError, match=qualified.replace(".", r"\.")):
            load_alone(qualified)
        assert qualified not in sys.modules


def test_the_module_is_loaded_once_and_shared_with_a_later_import():
    kernels = load_alone("scipy.sparse._sparsetools")
    assert load_alone("scipy.sparse._sparsetools") is kernels
    assert sys.modules["scipy.sparse._sparsetools"] is kernels
