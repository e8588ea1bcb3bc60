"""The dynamic graph of a runner: which input and which earlier state made each state.

With ``StepwiseRunner(..., trace=True)`` every stream becomes a chain::

    h_0 --> h_1 --> h_2 --> ...
            ^       ^
           x_1     x_2

A node is ``(kind, stream, chain, t)`` with ``kind`` in ``{"input", "state"}``;
``t`` counts the stream's steps since attach or reset, and ``chain`` counts the
chains the stream has started (attach and reset each start one), so a reset or
a re-attach never links to the old state. Each node records the bytes it holds:
the stream's state size for states, the input row size for inputs.

The graph grows with every step; enable it for debugging and teaching runs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

__all__ = ["RunnerTrace", "TraceNode"]

#: ``(kind, stream, chain, t)``: the key of a node in :class:`RunnerTrace`.
TraceNode = tuple[str, Hashable, int, int]


class RunnerTrace:
    """Records state and input nodes and their edges as a runner steps.

    Attributes
    ----------
    nodes : dict
        Node key -> attributes ``kind``, ``stream``, ``chain``, ``t``, ``bytes``.
    edges : list[tuple[TraceNode, TraceNode]]
        ``x_t -> h_t`` and ``h_{t-1} -> h_t`` edges in recording order.
    """

    def __init__(self) -> None:
        self.nodes: dict[TraceNode, dict] = {}
        self.edges: list[tuple[TraceNode, TraceNode]] = []
        self._head: dict[Hashable, TraceNode] = {}  # live stream -> its latest state node
        self._chains: dict[Hashable, int] = {}  # stream -> chains started so far

    # ---------------------------------------------------------------- recording
    def attach(self, stream: Hashable, t: int, state_bytes: int) -> None:
        """Start a new chain for ``stream`` at state ``h_t`` (attach, reset or restore)."""
        chain = self._chains.get(stream, 0)
        self._chains[stream] = chain + 1
        self._head[stream] = self._add("state", stream, chain, t, state_bytes)

    def record_step(self, ids: Iterable[Hashable], ts: Iterable[int], input_bytes: int) -> None:
        """Add ``x_t`` and ``h_t`` for each stream that stepped, ``ts`` being the new counts."""
        for stream, t in zip(ids, ts):
            previous = self._head[stream]
            _, stored, chain, _ = previous
            state_bytes = self.nodes[previous]["bytes"]
            x_node = self._add("input", stored, chain, t, input_bytes)
            h_node = self._add("state", stored, chain, t, state_bytes)
            self.edges.append((x_node, h_node))
            self.edges.append((previous, h_node))
            self._head[stored] = h_node

    def detach(self, stream: Hashable) -> None:
        """End ``stream``'s chain; a later attach of the same id starts a new one."""
        del self._head[stream]

    def _add(self, kind: str, stream: Hashable, chain: int, t: int, size: int) -> TraceNode:
        node = (kind, stream, chain, t)
        self.nodes[node] = {"kind": kind, "stream": stream, "chain": chain, "t": t, "bytes": size}
        return node

    # ------------------------------------------------------------------ queries
    @property
    def total_bytes(self) -> int:
        """Bytes over all recorded nodes: what keeping every state and input would hold."""
        return sum(attrs["bytes"] for attrs in self.nodes.values())

    @property
    def held_bytes(self) -> int:
        """Bytes of the latest state of each live stream: what the runner actually holds."""
        return sum(self.nodes[node]["bytes"] for node in self._head.values())

    def to_networkx(self):
        """The graph as a :class:`networkx.DiGraph` with the node attributes above."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes.items())
        graph.add_edges_from(self.edges)
        return graph

    def to_mermaid(self) -> str:
        """A Mermaid ``graph LR`` flowchart: states as boxes, inputs as rounded nodes."""
        names = {node: f"n{i}" for i, node in enumerate(self.nodes)}
        lines = ["graph LR"]
        for node, name in names.items():
            kind, stream, chain, t = node
            label = _mermaid_text(f"{stream}{f' ({chain + 1})' if chain else ''}: ")
            if kind == "state":
                lines.append(f'    {name}["{label}h{t}"]')
            else:
                lines.append(f'    {name}("{label}x{t}")')
        lines.extend(f"    {names[a]} --> {names[b]}" for a, b in self.edges)
        return "\n".join(lines)

    def draw(self, ax=None, max_steps: int = 20):
        """Draw the graph layered by ``t``, one row per chain (stream, restart).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw into; a new figure is made when omitted.
        max_steps : int
            Show only the last ``max_steps`` steps of each chain.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt
        import networkx as nx

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 1 + 0.8 * max(1, len(self._chains))))
        rows: dict[tuple[Hashable, int], int] = {}
        last_t: dict[tuple[Hashable, int], int] = {}
        for _, stream, chain, t in self.nodes:
            rows.setdefault((stream, chain), len(rows))
            last_t[(stream, chain)] = max(t, last_t.get((stream, chain), t))
        shown = [n for n in self.nodes if n[3] > last_t[(n[1], n[2])] - max_steps]
        pos = {n: (n[3], -rows[(n[1], n[2])] - (0.35 if n[0] == "input" else 0.0)) for n in shown}
        graph = self.to_networkx().subgraph(shown)
        colors = ["tab:blue" if n[0] == "state" else "tab:orange" for n in graph.nodes]
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=120)
        nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, arrowsize=8, node_size=120)
        ax.set_yticks([-row for row in rows.values()])
        ax.set_yticklabels([f"{s}" + (f" ({c + 1})" if c else "") for s, c in rows])
        ax.set_xlabel("t (steps since attach or reset)")
        ax.tick_params(left=True, bottom=True, labelleft=True, labelbottom=True)
        ax.set_title("runner trace: states (blue) and inputs (orange)")
        return ax


def _mermaid_text(text: str) -> str:
    """Escape characters that would end a quoted Mermaid label."""
    return text.replace("#", "#35;").replace('"', "#quot;").replace("\n", " ")
