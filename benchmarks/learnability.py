"""Learnability of the synthetic chest X-ray tasks: a small CNN against logistic-regression baselines.

Trains on the ``train`` split and reports accuracy on the ``test`` split (patients never in both),
with wall time, for chest_xray (consolidation) and xray_transfer (cardiomegaly, from scratch and
fine-tuned from the chest_xray network). Writes benchmarks/learnability.md.

Run: ``python benchmarks/learnability.py``
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from healthpath.data.synthetic import imaging  # noqa: E402

REPORT = Path(__file__).with_suffix(".md")


def split(data: dict, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Images scaled to [0, 1] with a channel axis, and labels, of one split."""
    keep = data["split"] == part
    return data["images"][keep][..., None].astype("float32") / 255, data["labels"][keep]


def small_cnn() -> keras.Model:
    """Three conv blocks, global max pooling (a lesion is a local finding) and a dense head: 26k weights."""
    return keras.Sequential([
        keras.Input((imaging.XRAY_SIZE, imaging.XRAY_SIZE, 1)),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu", padding="same"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu", padding="same"), keras.layers.MaxPooling2D(),
        keras.layers.GlobalMaxPooling2D(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def fit(model: keras.Model, x, y, epochs: int, lr: float = 1e-3) -> float:
    """Train with Adam; return the wall time in seconds."""
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return time.perf_counter() - start


def accuracy(model: keras.Model, x, y) -> float:
    """Test accuracy at the 0.5 threshold."""
    return float(((model.predict(x, verbose=0)[:, 0] > 0.5) == y).mean())


def logistic(features_train, y_train, features_test, y_test) -> tuple[float, float]:
    """Accuracy and wall time of a standardised logistic regression."""
    start = time.perf_counter()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
    model.fit(features_train, y_train)
    return float(model.score(features_test, y_test)), time.perf_counter() - start


def main() -> None:
    """Run every model and write the report."""
    keras.utils.set_random_seed(0)
    rows = []
    cx = imaging.generate_xray(0, "chest_xray")
    x_tr, y_tr = split(cx, "train")
    x_te, y_te = split(cx, "test")
    ceiling = 1 - float((cx["truth"]["label"] != cx["truth"]["lesion"])[cx["split"] == "test"].mean())
    mean_tr, mean_te = x_tr.mean(axis=(1, 2, 3))[:, None], x_te.mean(axis=(1, 2, 3))[:, None]
    acc, sec = logistic(mean_tr, y_tr, mean_te, y_te)
    rows.append(("chest_xray", "logistic regression on mean pixel intensity", acc, sec))
    acc, sec = logistic(x_tr.reshape(len(x_tr), -1), y_tr, x_te.reshape(len(x_te), -1), y_te)
    rows.append(("chest_xray", "logistic regression on raw pixels (4096)", acc, sec))
    cnn = small_cnn()
    sec = fit(cnn, x_tr, y_tr, epochs=12)
    rows.append(("chest_xray", "small CNN, 12 epochs", accuracy(cnn, x_te, y_te), sec))

    tx = imaging.generate_xray(0, "xray_transfer")
    t_tr, ty_tr = split(tx, "train")
    t_te, ty_te = split(tx, "test")
    scratch = small_cnn()
    sec = fit(scratch, t_tr, ty_tr, epochs=15)
    rows.append(("xray_transfer", "small CNN from scratch, 15 epochs", accuracy(scratch, t_te, ty_te), sec))
    base = keras.Model(cnn.inputs, cnn.layers[-3].output)  # features up to global pooling
    head = [keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    base.trainable = False
    frozen = keras.Sequential([base, *head])
    sec = fit(frozen, t_tr, ty_tr, epochs=15)
    rows.append(("xray_transfer", "chest_xray CNN frozen + new head, 15 epochs",
                 accuracy(frozen, t_te, ty_te), sec))
    base.trainable = True  # then fine-tune every layer gently
    sec += fit(frozen, t_tr, ty_tr, epochs=15, lr=3e-4)
    rows.append(("xray_transfer", "... then all layers fine-tuned, 15 more epochs at lr 3e-4",
                 accuracy(frozen, t_te, ty_te), sec))

    lines = [
        "# Learnability of the synthetic chest X-ray tasks",
        "",
        f"Measured by `benchmarks/learnability.py` on {os.cpu_count()} CPU cores ({platform.machine()}), "
        f"Keras {keras.__version__}, seed 0. Train/test split by patient as shipped (chest_xray: "
        f"{len(y_tr)} train / {len(y_te)} test images; xray_transfer: {len(ty_tr)} / {len(ty_te)}).",
        "Wall time is training time only.",
        "",
        f"chest_xray labels carry 2% reader error, so the best achievable test accuracy here is "
        f"{ceiling:.3f} (share of test labels that agree with the true lesion status).",
        "",
        "| task | model | test accuracy | wall time (s) |",
        "|---|---|---|---|",
        *[f"| {task} | {model} | {acc:.3f} | {sec:.1f} |" for task, model, acc, sec in rows],
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
