"""Loading the model the Python steps use (a joblib file or module:callable) and calling it
through Classifier: batches, class order, and one-line errors."""

from __future__ import annotations

import pytest

from _steps_fixtures import demo_data
from ml_monitor import demo
from ml_monitor import model as models
from ml_monitor.errors import MonitorError


def test_load_model_from_joblib_file(tmp_path):
    path = tmp_path / "router.joblib"
    demo.save_model(demo_data().model, path)
    model = models.load_model(str(path))
    clf = models.classifier(model)
    assert clf.classes == sorted(demo.CLASSES)
    assert clf(["my parcel never arrived"]).shape == (1, len(demo.CLASSES))


def test_load_model_errors_are_clear(tmp_path):
    with pytest.raises(MonitorError, match="model file not found"):
        models.load_model(str(tmp_path / "missing.joblib"))
    (tmp_path / "text.joblib").write_bytes(b"not a pickle")
    with pytest.raises(MonitorError, match="is not a model file"):
        models.load_model(str(tmp_path / "text.joblib"))
    (tmp_path / "broken.joblib").write_bytes(b"\x80\x04 a pickle cut short")
    with pytest.raises(MonitorError, match="cannot read the model file"):
        models.load_model(str(tmp_path / "broken.joblib"))
    with pytest.raises(MonitorError, match="cannot load the model"):
        models.load_model("no_such_module_xyz:load")


def test_load_model_from_a_callable_returning_predict_proba(tmp_path, monkeypatch):
    (tmp_path / "fake_router.py").write_text(
        "import numpy as np\ndef load():\n    return lambda texts: np.tile([0.2, 0.8], (len(texts), 1))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    predict_proba = models.load_model("fake_router:load")
    with pytest.raises(MonitorError, match="classes"):
        models.classifier(predict_proba)
    clf = models.classifier(predict_proba, ["no", "yes"])
    assert clf([f"text {i}" for i in range(2500)]).shape == (2500, 2)  # several batches
    with pytest.raises(MonitorError, match="shape"):
        models.classifier(predict_proba, ["a", "b", "c"])(["x"])
