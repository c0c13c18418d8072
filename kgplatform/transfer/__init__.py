"""The transfer model: how much practising concept A helps with concept B, learned by a GNN.

Data flows one way: answer logs -> `empirical` (measured transfer, the training label) and `statistics`
(features) -> `data` (PyG Data) -> `model` -> `train` -> `evaluate` -> `artifacts` -> `writeback`.
"""
