from __future__ import annotations

import pytest
import torch

from kgplatform.transfer.model import ConceptEncoder, PairFactorisation, PairMLP, TransferGNN


def tiny_graph(n: int = 6, f: int = 8, fp: int = 3) -> tuple[torch.Tensor, ...]:
    torch.manual_seed(0)
    x = torch.randn(n, f)
    edge_index = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    edge_attr = torch.randn(5, 5)
    pair_attr = torch.randn(n, n, fp)
    return x, edge_index, edge_attr, pair_attr


@pytest.mark.parametrize(
    "model",
    [TransferGNN(8, 3, hidden_channels=16), PairMLP(8, 3, hidden_channels=16), PairFactorisation(6, rank=4)],
)
def test_one_score_per_pair_and_ordered_pairs_differ(model: torch.nn.Module) -> None:
    x, edge_index, edge_attr, pair_attr = tiny_graph()
    pairs = torch.tensor([[0, 1, 2, 5], [1, 0, 5, 2]])  # (0->1, 1->0, 2->5 with no edge, 5->2)
    model.eval()
    out = model(x, edge_index, edge_attr, pairs, pair_attr)
    assert out.shape == (4,)
    assert torch.isfinite(out).all()
    assert not torch.isclose(out[0], out[1])  # A -> B is not B -> A
    assert not torch.isclose(out[2], out[3])


def test_decoder_is_asymmetric_even_with_symmetric_pair_features() -> None:
    x, edge_index, edge_attr, _ = tiny_graph()
    symmetric = torch.ones(6, 6, 3)
    model = TransferGNN(8, 3, hidden_channels=16).eval()
    out = model(x, edge_index, edge_attr, torch.tensor([[0, 3], [3, 0]]), symmetric)
    assert not torch.isclose(out[0], out[1])


def test_encoder_shapes_and_reset_parameters() -> None:
    x, edge_index, edge_attr, _ = tiny_graph()
    encoder = ConceptEncoder(8, hidden_channels=16, num_layers=2, edge_dim=5, heads=2)
    h = encoder(x, edge_index, edge_attr)
    assert h.shape == (6, 3 * 16) == (6, encoder.out_channels)  # layer 0 and both GATv2 layers
    before = [p.clone() for p in encoder.parameters()]
    encoder.reset_parameters()
    assert any(not torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True))
    with pytest.raises(ValueError):
        ConceptEncoder(8, hidden_channels=15, heads=2)


def test_gnn_contains_the_mlp() -> None:
    """With the MLP's node weights in layer 0 and the message-passing part of the decoder input zeroed,
    the GNN computes exactly what PairMLP computes: the GNN is a superset of the baseline."""
    x, edge_index, edge_attr, pair_attr = tiny_graph()
    mlp = PairMLP(8, 3, hidden_channels=16).eval()
    gnn = TransferGNN(8, 3, hidden_channels=16, num_layers=1).eval()
    gnn.encoder.node.load_state_dict(mlp.node.state_dict())
    hidden = 16
    with torch.no_grad():
        first, first_mlp = gnn.decoder.mlp[0], mlp.decoder.mlp[0]
        first.weight.zero_()
        # Decoder input blocks: [h_A (2h), h_B (2h), h_A*h_B (2h), pair]; layer 0 is the first h of each.
        for block in range(3):
            first.weight[:, 2 * hidden * block : 2 * hidden * block + hidden] = first_mlp.weight[
                :, hidden * block : hidden * (block + 1)
            ]
        first.weight[:, 6 * hidden :] = first_mlp.weight[:, 3 * hidden :]
        first.bias.copy_(first_mlp.bias)
        for layer, layer_mlp in zip(gnn.decoder.mlp[1:], mlp.decoder.mlp[1:], strict=True):
            if isinstance(layer, torch.nn.Linear):
                layer.load_state_dict(layer_mlp.state_dict())
    pairs = torch.tensor([[0, 1, 2, 5], [1, 0, 5, 2]])
    expected = mlp(x, edge_index, edge_attr, pairs, pair_attr)
    assert torch.allclose(gnn(x, edge_index, edge_attr, pairs, pair_attr), expected, atol=1e-6)
