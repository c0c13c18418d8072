"""The transfer model's torch modules (no data loading, no training loop here).

`TransferGNN` = `ConceptEncoder` (the MLP baseline's per-concept encoding, then GATv2 message passing over the
concept graph, every layer's embedding concatenated: jumping knowledge) + `PairDecoder`, which scores
an ORDERED pair (A, B) from [h_A, h_B, h_A * h_B, pair features]: swapping A and B changes the input, so
transfer A -> B may differ from B -> A, and any pair can be scored, edge or not.
The baselines trained the same way: `PairMLP` (same features and decoder, no message passing) and
`PairFactorisation` (a source and a target embedding per concept, matrix factorisation of the labels).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATv2Conv, JumpingKnowledge


def node_mlp(in_channels: int, hidden_channels: int, dropout: float) -> nn.Sequential:
    """The per-concept encoding shared by `PairMLP` and the GNN's layer 0 (two layers, ReLU)."""
    return nn.Sequential(
        nn.Linear(in_channels, hidden_channels),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden_channels, hidden_channels),
        nn.ReLU(),
    )


class ConceptEncoder(nn.Module):
    r"""Concept embeddings from node features and the message-passing graph.

    Layer 0 is the MLP baseline's own per-concept encoding (`node_mlp`); each GATv2 layer adds a residual
    update to it; the output concatenates every layer's embedding (PyG `JumpingKnowledge("cat")`). So the
    decoder sees the un-propagated encoding next to the propagated ones and can weigh them: with the
    attention layers' outputs ignored the model is exactly `PairMLP`, i.e. the GNN is a superset of it
    (message passing can only be added, never forced over the concept's own features).

    Args:
        in_channels: node feature size.
        hidden_channels: per-layer embedding size (divisible by `heads`).
        num_layers: GATv2 layers, each with a residual connection and layer norm.
        edge_dim: edge feature size (`data.EDGE_ATTR_NAMES`).
        heads: attention heads per layer (concatenated).
        dropout: dropout on features between layers.

    Shapes:
        - input: x (N, in_channels), edge_index (2, E), edge_attr (E, edge_dim)
        - output: (N, out_channels) with out_channels = (num_layers + 1) * hidden_channels
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 64,
        num_layers: int = 2,
        edge_dim: int = 5,
        heads: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if hidden_channels % heads:
            raise ValueError("hidden_channels must be divisible by heads")
        self.dropout = dropout
        self.out_channels = (num_layers + 1) * hidden_channels
        self.node = node_mlp(in_channels, hidden_channels, dropout)
        self.convs = nn.ModuleList(
            GATv2Conv(hidden_channels, hidden_channels // heads, heads=heads, edge_dim=edge_dim, dropout=0.0)
            for _ in range(num_layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden_channels) for _ in range(num_layers))
        self.jump = JumpingKnowledge("cat")
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in self.node:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
        for conv, norm in zip(self.convs, self.norms, strict=True):
            conv.reset_parameters()
            norm.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        h = self.node(x)
        layers = [h]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = nn.functional.dropout(h, self.dropout, self.training)
            h = norm(h + torch.relu(conv(h, edge_index, edge_attr)))
            layers.append(h)
        return self.jump(layers)  # type: ignore[no-any-return]


class PairDecoder(nn.Module):
    r"""Scores ordered pairs from the two concept embeddings and the pair's own features.

    Args:
        node_channels: concept embedding size.
        pair_channels: pair feature size (`data.FEATURE_NAMES['pair']`).
        hidden_channels: width of the MLP.
        dropout: dropout inside the MLP.

    Shapes:
        - input: h_src (P, node_channels), h_dst (P, node_channels), pair_attr (P, pair_channels)
        - output: (P,) one score per pair
    """

    def __init__(
        self, node_channels: int, pair_channels: int, hidden_channels: int = 64, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(3 * node_channels + pair_channels, hidden_channels),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_channels, hidden_channels),
            nn.ReLU(),
            nn.Linear(hidden_channels, 1),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in self.mlp:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()

    def forward(self, h_src: Tensor, h_dst: Tensor, pair_attr: Tensor) -> Tensor:
        return self.mlp(torch.cat([h_src, h_dst, h_src * h_dst, pair_attr], dim=-1)).squeeze(-1)


class TransferGNN(nn.Module):
    r"""Encoder + ordered-pair decoder: predicted transfer for the pairs asked.

    Shapes:
        - input: x (N, F), edge_index (2, E), edge_attr (E, D), pairs (2, P) as [source; target],
          pair_attr (N, N, Fp) for every ordered pair
        - output: (P,)
    """

    def __init__(
        self,
        in_channels: int,
        pair_channels: int,
        hidden_channels: int = 64,
        num_layers: int = 2,
        edge_dim: int = 5,
        heads: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.encoder = ConceptEncoder(in_channels, hidden_channels, num_layers, edge_dim, heads, dropout)
        self.decoder = PairDecoder(self.encoder.out_channels, pair_channels, hidden_channels, dropout)

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.decoder.reset_parameters()

    def forward(
        self, x: Tensor, edge_index: Tensor, edge_attr: Tensor, pairs: Tensor, pair_attr: Tensor
    ) -> Tensor:
        h = self.encoder(x, edge_index, edge_attr)
        return self.decoder(h[pairs[0]], h[pairs[1]], pair_attr[pairs[0], pairs[1]])


class PairMLP(nn.Module):
    r"""The same features and decoder without message passing (each concept sees only its own features).

    Shapes: as `TransferGNN` (edge_index and edge_attr are accepted and ignored).
    """

    def __init__(
        self, in_channels: int, pair_channels: int, hidden_channels: int = 64, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.node = node_mlp(in_channels, hidden_channels, dropout)
        self.decoder = PairDecoder(hidden_channels, pair_channels, hidden_channels, dropout)

    def reset_parameters(self) -> None:
        for layer in self.node:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
        self.decoder.reset_parameters()

    def forward(
        self, x: Tensor, edge_index: Tensor, edge_attr: Tensor, pairs: Tensor, pair_attr: Tensor
    ) -> Tensor:
        h = self.node(x)
        return self.decoder(h[pairs[0]], h[pairs[1]], pair_attr[pairs[0], pairs[1]])


class PairFactorisation(nn.Module):
    r"""Matrix factorisation: transfer(A, B) = <u_A, v_B> + b_A + c_B, learnt from the labels alone.

    Shapes: as `TransferGNN` (only `pairs` is used; x gives the number of concepts).
    """

    def __init__(self, num_concepts: int, rank: int = 16) -> None:
        super().__init__()
        self.source = nn.Embedding(num_concepts, rank)
        self.target = nn.Embedding(num_concepts, rank)
        self.source_bias = nn.Embedding(num_concepts, 1)
        self.target_bias = nn.Embedding(num_concepts, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for emb in (self.source, self.target):
            nn.init.normal_(emb.weight, std=0.05)
        nn.init.zeros_(self.source_bias.weight)
        nn.init.zeros_(self.target_bias.weight)

    def forward(
        self, x: Tensor, edge_index: Tensor, edge_attr: Tensor, pairs: Tensor, pair_attr: Tensor
    ) -> Tensor:
        s, t = pairs[0], pairs[1]
        dot = (self.source(s) * self.target(t)).sum(-1)
        return dot + self.source_bias(s).squeeze(-1) + self.target_bias(t).squeeze(-1)
