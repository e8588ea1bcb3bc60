"""make_forecaster builds the three compared architectures with matching sizes."""

from __future__ import annotations

import pytest
import torch

from tslib.encoders import CausalTransformerEncoder, RecurrentEncoder
from tslib.encoders.zoo import FORECASTER_KINDS, make_forecaster
from tslib.errors import InputError


@pytest.mark.parametrize("kind", FORECASTER_KINDS)
def test_each_kind_steps_like_its_forward_and_is_seeded(kind):
    model = make_forecaster(kind, 3, 2, hidden=8, context=5, feedback_inputs=(0, 1), seed=4)
    expected = CausalTransformerEncoder if kind == "transformer" else RecurrentEncoder
    assert isinstance(model, expected) and model.n_outputs == 4 and model.feedback_inputs == (0, 1)
    again = make_forecaster(kind, 3, 2, hidden=8, context=5, feedback_inputs=(0, 1), seed=4)
    assert model.fingerprint() == again.fingerprint()
    model.eval()
    x = torch.randn(2, 9, 3)
    with torch.no_grad():
        full, _ = model(x)
        state, steps = model.init_state(2), []
        for t in range(9):
            y_t, state = model.step(x[:, t], state)
            steps.append(y_t)
    torch.testing.assert_close(torch.stack(steps, dim=1), full, atol=1e-5, rtol=1e-5)


def test_classifier_and_unknown_kind():
    model = make_forecaster("gru", 3, 2, hidden=8, head="class", seed=0)
    assert model.n_outputs == 2
    with pytest.raises(InputError, match="unknown kind"):
        make_forecaster("tcn", 3, 1)
