"""The runner's dynamic graph: exact nodes and edges, networkx, mermaid and drawing."""

from __future__ import annotations

import re

import matplotlib
import networkx as nx
import numpy as np
import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.runner import StepwiseRunner

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.timeout(60)

STATE_BYTES = 4 * 4  # GRU, 1 layer, hidden 4, float32
INPUT_BYTES = 3 * 4  # 3 features, float32


def make_runner(**kwargs) -> StepwiseRunner:
    torch.manual_seed(0)
    model = ENCODER_REGISTRY["recurrent"](input_size=3, hidden_size=4, output_size=1, cell="gru")
    return StepwiseRunner(model, device="cpu", **kwargs)


def scenario(first: str = "a", second: str = "b") -> StepwiseRunner:
    """Two streams; ``first`` is reset, ``second`` detached and re-attached."""
    runner = make_runner(trace=True)
    runner.step([first, second], torch.randn(2, 3))
    runner.step([first], torch.randn(1, 3))
    runner.reset(first)
    runner.step([first, second], torch.randn(2, 3))
    runner.detach(second)
    runner.step([second], torch.randn(1, 3))
    return runner


def h(stream, chain, t):
    return ("state", stream, chain, t)


def x(stream, chain, t):
    return ("input", stream, chain, t)


EXPECTED_NODES = {
    h("a", 0, 0), h("a", 0, 1), h("a", 0, 2), h("a", 1, 0), h("a", 1, 1),
    h("b", 0, 0), h("b", 0, 1), h("b", 0, 2), h("b", 1, 0), h("b", 1, 1),
    x("a", 0, 1), x("a", 0, 2), x("a", 1, 1), x("b", 0, 1), x("b", 0, 2), x("b", 1, 1),
}  # fmt: skip
EXPECTED_EDGES = {
    (h("a", 0, 0), h("a", 0, 1)), (x("a", 0, 1), h("a", 0, 1)),
    (h("a", 0, 1), h("a", 0, 2)), (x("a", 0, 2), h("a", 0, 2)),
    (h("a", 1, 0), h("a", 1, 1)), (x("a", 1, 1), h("a", 1, 1)),
    (h("b", 0, 0), h("b", 0, 1)), (x("b", 0, 1), h("b", 0, 1)),
    (h("b", 0, 1), h("b", 0, 2)), (x("b", 0, 2), h("b", 0, 2)),
    (h("b", 1, 0), h("b", 1, 1)), (x("b", 1, 1), h("b", 1, 1)),
}  # fmt: skip


def test_exact_nodes_and_edges_with_reset_and_detach():
    trace = scenario().trace
    assert set(trace.nodes) == EXPECTED_NODES
    assert set(trace.edges) == EXPECTED_EDGES and len(trace.edges) == len(EXPECTED_EDGES)
    assert trace.total_bytes == 10 * STATE_BYTES + 6 * INPUT_BYTES
    assert trace.held_bytes == 2 * STATE_BYTES  # one live state per stream


def test_networkx_graph_and_attributes():
    graph = scenario().trace.to_networkx()
    assert set(graph.nodes) == EXPECTED_NODES and set(graph.edges) == EXPECTED_EDGES
    assert graph.nodes[h("a", 1, 1)] == {
        "kind": "state", "stream": "a", "chain": 1, "t": 1, "bytes": STATE_BYTES,
    }  # fmt: skip
    assert graph.nodes[x("b", 0, 2)]["bytes"] == INPUT_BYTES
    assert {d["kind"] for _, d in graph.nodes(data=True)} == {"input", "state"}
    # no path from a stream's state before its reset to any state after it
    assert not nx.has_path(graph, h("a", 0, 2), h("a", 1, 1))
    assert nx.has_path(graph, h("b", 0, 0), h("b", 0, 2))


def test_int_ids_are_stored_as_int():
    runner = make_runner(trace=True)
    runner.step(np.array([3, 4]), torch.randn(2, 3))
    runner.step([np.int32(4)], torch.randn(1, 3))
    assert set(runner.trace.nodes) == {
        h(3, 0, 0), h(3, 0, 1), x(3, 0, 1), h(4, 0, 0), h(4, 0, 1), x(4, 0, 1),
        h(4, 0, 2), x(4, 0, 2),
    }  # fmt: skip
    assert all(type(node[1]) is int for node in runner.trace.nodes)


def parse_mermaid(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Node labels and edges (by label) of a flowchart written by ``to_mermaid``."""
    lines = text.split("\n")
    assert lines[0] == "graph LR"
    labels, edges = {}, set()
    for line in lines[1:]:
        node = re.fullmatch(r'    (n\d+)(?:\["([^"]*)"\]|\("([^"]*)"\))', line)
        edge = re.fullmatch(r"    (n\d+) --> (n\d+)", line)
        assert node or edge, f"not a mermaid node or edge line: {line!r}"
        if node:
            labels[node.group(1)] = node.group(2) if node.group(2) is not None else node.group(3)
        else:
            edges.add((labels[edge.group(1)], labels[edge.group(2)]))
    return labels, edges


def test_mermaid_flowchart():
    labels, edges = parse_mermaid(scenario().trace.to_mermaid())
    assert len(labels) == len(EXPECTED_NODES)
    assert sorted(labels.values()) == sorted(
        f"{s}{f' ({c + 1})' if c else ''}: {'h' if k == 'state' else 'x'}{t}"
        for k, s, c, t in EXPECTED_NODES
    )
    assert ("a: h1", "a: h2") in edges and ("a (2): x1", "a (2): h1") in edges
    assert ("a: h2", "a (2): h1") not in edges and len(edges) == len(EXPECTED_EDGES)


def test_mermaid_escapes_quotes_in_stream_ids():
    labels, _ = parse_mermaid(scenario('say "hi"', "#1").trace.to_mermaid())
    assert "say #quot;hi#quot;: h0" in labels.values() and "#35;1: h0" in labels.values()


def test_draw_layers_by_t_one_row_per_chain():
    trace = scenario().trace
    ax = trace.draw()
    points = {tuple(p) for p in ax.collections[0].get_offsets().tolist()}
    rows = {("a", 0): 0, ("b", 0): 1, ("a", 1): 2, ("b", 1): 3}  # order of first appearance
    expected = {
        (t, -rows[(s, c)] - (0.35 if k == "input" else 0.0)) for k, s, c, t in EXPECTED_NODES
    }
    assert points == expected
    assert [label.get_text() for label in ax.get_yticklabels()] == ["a", "b", "a (2)", "b (2)"]
    plt.close(ax.figure)
    _, ax = plt.subplots()
    assert trace.draw(ax=ax, max_steps=1) is ax
    shown = {tuple(p) for p in ax.collections[0].get_offsets().tolist()}
    assert shown == {(2, 0), (2, -0.35), (2, -1), (2, -1.35), (1, -2), (1, -2.35), (1, -3),
                     (1, -3.35)}  # fmt: skip
    plt.close(ax.figure)


def test_trace_is_off_by_default_and_restored_chains_start_at_their_count(tmp_path):
    assert make_runner().trace is None
    runner = make_runner()
    runner.step(["p"], torch.randn(1, 3))
    runner.step(["p"], torch.randn(1, 3))
    runner.save(tmp_path / "r.snap")
    restored = StepwiseRunner.load(tmp_path / "r.snap", runner.model, device="cpu", trace=True)
    assert set(restored.trace.nodes) == {h("p", 0, 2)}
    restored.step(["p"], torch.randn(1, 3))
    assert set(restored.trace.edges) == {(h("p", 0, 2), h("p", 0, 3)), (x("p", 0, 3), h("p", 0, 3))}
