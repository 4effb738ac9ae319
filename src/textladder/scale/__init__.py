"""Batch prediction with Ray Data, for more rows than one machine should predict (the `ray`
extra): `textladder predict MODEL --input DATA --output OUT --engine ray [--address ADDR]`.

    ray_predict.py  `predict_dataset(ds, model)` on a Ray Dataset, and `predict_with_ray`, which
                    reads and writes Parquet / CSV / JSONL with Ray's own readers and writers

The core never imports this package; the command line imports it for `--engine ray`.
"""

from textladder.scale.ray_predict import predict_dataset, predict_with_ray

__all__ = ["predict_dataset", "predict_with_ray"]
